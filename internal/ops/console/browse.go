package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/ops/offsetspec"
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

type browseQuery struct {
	Partition int32
	From      string // a position as `consume --from` takes it
	Limit     int
	Key       string
	// Match is "path=value": only records whose decoded value has value at the dotted path
	// (e.g. status=CONFIRMED, metadata.correlation_id=...).
	Match string
	// Until is a time; records after it end the read (with From, a time range).
	Until string
}

type browseData struct {
	Topic      string
	Query      browseQuery
	Partitions []int32
	Start, End int64
	Messages   []message
	Next       int64 // the offset after the last record read, for "next page"
	// PastUntil says the read stopped at a record after Until.
	PastUntil bool
}

func parseBrowse(r *http.Request) (browseQuery, error) {
	q := browseQuery{From: strings.TrimSpace(r.FormValue("from")), Limit: defaultBrowse, Key: r.FormValue("key"),
		Match: strings.TrimSpace(r.FormValue("match")), Until: strings.TrimSpace(r.FormValue("until"))}
	if q.Match != "" && !strings.Contains(q.Match, "=") {
		return q, fmt.Errorf("match %q: want path=value, e.g. status=CONFIRMED", q.Match)
	}
	if v := r.FormValue("partition"); v != "" {
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

// browse shows up to limit records of one partition from a position (default: the last
// limit records), each value decoded through the registry with its own writer schema.
func (c *Console) browse(w http.ResponseWriter, r *http.Request) {
	topic := r.PathValue("topic")
	q, err := parseBrowse(r)
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), browseWait)
	defer cancel()
	d, status, err := c.readMessages(ctx, topic, q)
	if err != nil {
		c.fail(w, r, status, err.Error())
		return
	}
	c.render(w, r, http.StatusOK, "browse", "Topic "+topic, d)
}

func (c *Console) readMessages(ctx context.Context, topic string, q browseQuery) (browseData, int, error) {
	d := browseData{Topic: topic, Query: q}
	cl, err := kgo.NewClient(c.cfg.KafkaOpts...)
	if err != nil {
		return d, http.StatusBadGateway, fmt.Errorf("connecting to Kafka: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	starts, err := offsetspec.Resolve(ctx, adm, topic, offsetspec.Spec{Kind: offsetspec.Start}, offsetspec.ReadCommitted)
	if err != nil {
		return d, http.StatusNotFound, fmt.Errorf("topic %s: %w", topic, err)
	}
	ends, err := offsetspec.Resolve(ctx, adm, topic, offsetspec.Spec{Kind: offsetspec.End}, offsetspec.ReadCommitted)
	if err != nil {
		return d, http.StatusBadGateway, fmt.Errorf("topic %s: %w", topic, err)
	}
	for p := range int32(len(ends)) {
		d.Partitions = append(d.Partitions, p)
	}
	start, okS := starts[q.Partition]
	end, okE := ends[q.Partition]
	if !okS || !okE {
		return d, http.StatusBadRequest, fmt.Errorf("partition %d: %s has partitions 0 to %d", q.Partition, topic, len(ends)-1)
	}
	d.Start, d.End = start, end
	from := max(start, end-int64(q.Limit))
	if q.From != "" {
		spec, err := offsetspec.Parse(q.From, time.Now())
		if err != nil {
			return d, http.StatusBadRequest, fmt.Errorf("from: %w", err)
		}
		at, err := offsetspec.Resolve(ctx, adm, topic, spec, offsetspec.ReadCommitted)
		if err != nil {
			return d, http.StatusBadGateway, fmt.Errorf("from %s: %w", q.From, err)
		}
		from = min(max(at[q.Partition], start), end)
	}
	var until time.Time
	if q.Until != "" {
		spec, err := offsetspec.Parse(q.Until, time.Now())
		if err != nil || spec.Kind != offsetspec.Time {
			return d, http.StatusBadRequest, fmt.Errorf("until %q: want an RFC 3339 time or a duration back from now (-10m)", q.Until)
		}
		until = spec.Time
	}
	d.Next = from
	if from >= end {
		return d, http.StatusOK, nil
	}
	rd, err := kgo.NewClient(append(c.cfg.KafkaOpts,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {q.Partition: kgo.NewOffset().At(from)}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))...)
	if err != nil {
		return d, http.StatusBadGateway, fmt.Errorf("connecting to Kafka: %w", err)
	}
	defer rd.Close()
	for len(d.Messages) < q.Limit && d.Next < end && !d.PastUntil {
		fs := rd.PollFetches(ctx)
		if ctx.Err() != nil {
			break // show what was read; the page says where it stopped
		}
		if err := fs.Err0(); err != nil {
			return d, http.StatusBadGateway, fmt.Errorf("reading %s/%d: %w", topic, q.Partition, err)
		}
		for _, rec := range fs.Records() {
			if !until.IsZero() && rec.Timestamp.After(until) {
				d.PastUntil = true
				break
			}
			d.Next = rec.Offset + 1
			if q.Key != "" && !bytes.Equal(rec.Key, []byte(q.Key)) {
				continue
			}
			if len(d.Messages) >= q.Limit {
				continue
			}
			if m := c.message(ctx, rec); q.Match == "" || matches(m.JSON, q.Match) {
				d.Messages = append(d.Messages, m)
			}
		}
	}
	return d, http.StatusOK, nil
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
