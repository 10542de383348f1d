package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
)

// Browser limits: a page shows at most maxBrowse records, and a read gives up after
// browseWait (a partition whose range ends in records nobody can see, say).
const (
	defaultBrowse = 50
	maxBrowse     = 500
	browseWait    = 10 * time.Second
)

// message is one record as the browser shows it.
type message struct {
	Partition int32
	Offset    int64
	Timestamp time.Time
	Key       string
	Headers   []kgo.RecordHeader
	// Schema and JSON are the value decoded with its writer schema; DecodeErr why not.
	Schema    string
	SchemaID  int
	JSON      string
	DecodeErr string
}

// allPartitions is browseQuery.Partition when the browser reads every partition at once.
const allPartitions = -1

type browseQuery struct {
	// Partition is the partition read, or allPartitions (the default): every partition,
	// merged by timestamp.
	Partition int32
	From      string // a position as `consume --from` takes it
	Limit     int
	Key       string
	// Match is "path=value": only records whose decoded value has value at the dotted path
	// (e.g. status=CONFIRMED, metadata.correlation_id=...).
	Match string
	// Until is a time; records after it end the read (with From, a time range).
	Until string
	// At is where each partition resumes ("0:120,1:97"), as the "next records" link of a
	// read of every partition carries it; it overrides From.
	At map[int32]int64
}

type browseData struct {
	Topic      string
	Query      browseQuery
	Partitions []int32
	// Start and End are the partition's offsets (one partition), or the sums over all.
	Start, End int64
	Messages   []message
	Next       int64 // one partition: the offset after the last record read, for "next page"
	// NextAt is where each partition resumes after the shown records ("0:120,1:97"); empty
	// when every partition was read to its end.
	NextAt string
	// PastUntil says the read stopped at a record after Until.
	PastUntil bool
	// Partial says the read ran out of time before every partition was read.
	Partial bool
}

// All says the page reads every partition.
func (d browseData) All() bool { return d.Query.Partition == allPartitions }

func parseBrowse(r *http.Request) (browseQuery, error) {
	q := browseQuery{Partition: allPartitions, From: strings.TrimSpace(r.FormValue("from")), Limit: defaultBrowse, Key: r.FormValue("key"),
		Match: strings.TrimSpace(r.FormValue("match")), Until: strings.TrimSpace(r.FormValue("until"))}
	if q.Match != "" && !strings.Contains(q.Match, "=") {
		return q, fmt.Errorf("match %q: want path=value, e.g. status=CONFIRMED", q.Match)
	}
	if v := r.FormValue("at"); v != "" {
		q.At = map[int32]int64{}
		for _, pos := range strings.Split(v, ",") {
			p, o, ok := strings.Cut(pos, ":")
			pn, err1 := strconv.ParseInt(p, 10, 32)
			on, err2 := strconv.ParseInt(o, 10, 64)
			if !ok || err1 != nil || err2 != nil || pn < 0 || on < 0 {
				return q, fmt.Errorf("at %q: want partition:offset pairs, e.g. 0:120,1:97", v)
			}
			q.At[int32(pn)] = on
		}
	}
	if v := r.FormValue("partition"); v != "" && v != "all" {
		p, err := strconv.ParseInt(v, 10, 32)
		if err != nil || p < 0 {
			return q, fmt.Errorf("partition %q: want a partition number (0, 1, ...)", v)
		}
		q.Partition = int32(p)
	}
	if v := r.FormValue("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxBrowse {
			return q, fmt.Errorf("limit %q: want 1 to %d records", v, maxBrowse)
		}
		q.Limit = n
	}
	return q, nil
}

// browse shows up to limit records of one partition or of all of them merged by timestamp,
// from a position (default: the last limit records), each value decoded through the
// registry with its own writer schema.
func (c *Console) browse(w http.ResponseWriter, r *http.Request) {
	topic := r.PathValue("topic")
	q, err := parseBrowse(r)
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	d, status, err := c.readMessages(r.Context(), topic, q)
	if err != nil {
		c.fail(w, r, status, err.Error())
		return
	}
	c.render(w, r, http.StatusOK, "browse", "Topic "+topic, d)
}

// message decodes rec the way `novatrek dlq show` does (deadletter.Decode): with the writer
// schema its value names. A value that does not decode is shown with the reason.
func (c *Console) message(ctx context.Context, rec *kgo.Record) message {
	m := message{Partition: rec.Partition, Offset: rec.Offset, Timestamp: rec.Timestamp, Key: keyText(rec.Key), Headers: rec.Headers}
	if rec.Value == nil {
		m.DecodeErr = "tombstone (no value)"
		return m
	}
	dec, err := deadletter.Decode(ctx, c.serde, rec.Value)
	m.Schema, m.SchemaID = dec.Schema, dec.SchemaID
	if err != nil {
		m.DecodeErr = err.Error()
		return m
	}
	m.JSON = indentJSON(dec.JSON)
	return m
}

// matches says whether the decoded value (indented JSON) holds want's value at want's dotted
// path, compared as text: "status=CONFIRMED", "party_size=4", "metadata.producer=svc-x".
func matches(value, want string) bool {
	path, expect, _ := strings.Cut(want, "=")
	var v any
	if value == "" || json.Unmarshal([]byte(value), &v) != nil {
		return false
	}
	for _, k := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = obj[k]; !ok {
			return false
		}
	}
	switch v := v.(type) {
	case string:
		return v == expect
	case nil:
		return expect == "null"
	}
	b, _ := json.Marshal(v) // a decoded JSON value marshals again
	return string(b) == expect
}
