package console

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/offsetspec"
)

// seen is a record read by the browser: every one keeps its place in time (for the merge
// and for where each partition resumes). rec is the record when the filters keep it, nil
// otherwise; only the records the merge shows are decoded (show), but those a Match filter
// had to decode to judge, whose decoded form msg keeps.
type seen struct {
	partition int32
	offset    int64
	at        time.Time
	rec       *kgo.Record
	msg       *message
}

// show is r as the page shows it, decoded.
func (c *Console) show(ctx context.Context, r seen) message {
	if r.msg != nil {
		return *r.msg
	}
	return c.message(ctx, r.rec)
}

// partRead is one partition's read: from where to its end, what it read, and why it stopped.
type partRead struct {
	from, end, next int64
	kept            int
	done            bool
	pastUntil       bool
}

// readMessages reads the query's partition, or every partition at once, and returns the
// records merged by timestamp (ties by partition and offset).
//
// From a position (From or At), each partition is read until it has Limit records the
// filters keep, its end, or a record after Until; the merge shows the first Limit, and each
// partition resumes after the last record at or before the cut, so the next page misses
// nothing. Without one, each partition's last Limit records are read and the merge shows
// the newest Limit. The reading gives up after browseWait; the records shown are then
// decoded under ctx.
func (c *Console) readMessages(ctx context.Context, topic string, q browseQuery) (browseData, int, error) {
	d := browseData{Topic: topic, Query: q}
	decodeCtx := ctx
	ctx, cancel := context.WithTimeout(ctx, browseWait)
	defer cancel()
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
	read := d.Partitions
	if q.Partition != allPartitions {
		if _, ok := ends[q.Partition]; !ok {
			return d, http.StatusBadRequest, fmt.Errorf("partition %d: %s has partitions 0 to %d", q.Partition, topic, len(ends)-1)
		}
		read = []int32{q.Partition}
	}
	var at map[int32]int64
	if q.From != "" && q.At == nil {
		spec, err := offsetspec.Parse(q.From, time.Now())
		if err != nil {
			return d, http.StatusBadRequest, fmt.Errorf("from: %w", err)
		}
		if at, err = offsetspec.Resolve(ctx, adm, topic, spec, offsetspec.ReadCommitted); err != nil {
			return d, http.StatusBadGateway, fmt.Errorf("from %s: %w", q.From, err)
		}
	}
	var until time.Time
	if q.Until != "" {
		spec, err := offsetspec.Parse(q.Until, time.Now())
		if err != nil || spec.Kind != offsetspec.Time {
			return d, http.StatusBadRequest, fmt.Errorf("until %q: want an RFC 3339 time or a duration back from now (-10m)", q.Until)
		}
		until = spec.Time
	}
	positioned := q.From != "" || q.At != nil
	parts := map[int32]*partRead{}
	for _, p := range read {
		st := &partRead{end: ends[p], from: max(starts[p], ends[p]-int64(q.Limit))}
		switch {
		case q.At != nil:
			st.from = starts[p]
			if o, ok := q.At[p]; ok {
				st.from = o
			}
		case positioned:
			st.from = at[p]
		}
		st.from = min(max(st.from, starts[p]), st.end)
		st.next, st.done = st.from, st.from >= st.end
		parts[p] = st
		d.Start, d.End = d.Start+starts[p], d.End+ends[p]
	}
	recs, err := c.readParts(ctx, topic, q, until, parts)
	if err != nil {
		return d, http.StatusBadGateway, err
	}
	for _, st := range parts {
		d.Partial = d.Partial || !st.done
		d.PastUntil = d.PastUntil || st.pastUntil
	}
	slices.SortFunc(recs, func(a, b seen) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.partition, b.partition), cmp.Compare(a.offset, b.offset))
	})
	if !positioned {
		// The newest Limit kept records: each partition was read to its end.
		for i := len(recs) - 1; i >= 0 && len(d.Messages) < q.Limit; i-- {
			if recs[i].rec != nil {
				d.Messages = append(d.Messages, c.show(decodeCtx, recs[i]))
			}
		}
		slices.Reverse(d.Messages)
	} else {
		// The first Limit kept records, cut before the next kept one. Each partition resumes
		// after its last record before the cut (kept or filtered out), or where it started:
		// a partition that stopped at its own Limit holds nothing unread before the cut,
		// since its Limit kept records alone reach it.
		resume, read := map[int32]int64{}, map[int32]bool{}
		for _, r := range recs {
			read[r.partition] = true
		}
		for _, r := range recs {
			if r.rec != nil {
				if len(d.Messages) == q.Limit {
					break
				}
				d.Messages = append(d.Messages, c.show(decodeCtx, r))
			}
			resume[r.partition] = r.offset + 1
		}
		for p, st := range parts {
			if o, ok := resume[p]; ok {
				st.next = o
			} else if read[p] {
				st.next = st.from // every record it read lies past the cut
			}
		}
	}
	if q.Partition != allPartitions {
		st := parts[q.Partition]
		d.Start, d.End, d.Next = starts[q.Partition], st.end, st.next
	} else {
		var at []string
		open := false
		for _, p := range read {
			at = append(at, fmt.Sprintf("%d:%d", p, parts[p].next))
			open = open || parts[p].next < parts[p].end
		}
		if open {
			d.NextAt = strings.Join(at, ",")
		}
	}
	return d, http.StatusOK, nil
}

// readParts reads the partitions in parts from their from offsets in one consumer until
// each is done (Limit kept records, its end, or a record after until) or ctx ends.
func (c *Console) readParts(ctx context.Context, topic string, q browseQuery, until time.Time, parts map[int32]*partRead) ([]seen, error) {
	offsets := map[int32]kgo.Offset{}
	for p, st := range parts {
		if !st.done {
			offsets[p] = kgo.NewOffset().At(st.from)
		}
	}
	if len(offsets) == 0 {
		return nil, nil
	}
	rd, err := kgo.NewClient(append(c.cfg.KafkaOpts,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))...)
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka: %w", err)
	}
	defer rd.Close()
	var out []seen
	pending := len(offsets)
	for pending > 0 {
		fs := rd.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, nil // show what was read; the page says the read is partial
		}
		if err := fs.Err0(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", topic, err)
		}
		for _, rec := range fs.Records() {
			st := parts[rec.Partition]
			if st == nil || st.done {
				continue
			}
			if !until.IsZero() && rec.Timestamp.After(until) {
				st.done, st.pastUntil, st.next = true, true, rec.Offset
				pending--
				continue
			}
			r := seen{partition: rec.Partition, offset: rec.Offset, at: rec.Timestamp}
			if q.Key == "" || bytes.Equal(rec.Key, []byte(q.Key)) {
				if q.Match == "" {
					r.rec = rec
				} else if m := c.message(ctx, rec); matches(m.JSON, q.Match) {
					r.rec, r.msg = rec, &m
				}
				if r.rec != nil {
					st.kept++
				}
			}
			out = append(out, r)
			st.next = rec.Offset + 1
			if st.kept >= q.Limit || st.next >= st.end {
				st.done = true
				pending--
			}
		}
	}
	return out, nil
}
