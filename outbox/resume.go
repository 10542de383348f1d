package outbox

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A relay is uncertain about its oldest rows after a step whose outcome it could not see: it
// has just become leader (the previous leader may have produced rows and died before deleting
// them), a delete failed (the rows are on Kafka and still in the store), or a produce failed
// (a record that timed out may still have been written). Before it publishes again it reads
// the tail of the partitions those rows map to, and deletes without publishing the rows it
// finds there. That keeps every row on Kafka once across a lost session and a failover,
// without two-phase commit. The check runs only on such a resume, never per batch.
//
// Why reading a bounded tail is enough: every record carries RowHeader (store, row id), and a
// store's relay produces its rows in id order through the idempotent producer, one leader at
// a time. Per partition, the broker appends one producer's records in the order they were
// produced and rejects out-of-sequence retries, and franz-go fails every later record of a
// partition when one fails. So on each partition this store's row ids only grow, and once the
// backward scan meets a record of this store with an id below the lowest row waiting for that
// partition, nothing earlier can be one of the waiting rows: the scan stops there.
//
// Why it never loses a row: a row is skipped only when a record with its store, its id, its
// key and its value is on the partition the producer's own partitioner sends it to. Matching
// the bytes as well as the id keeps the check sound even if ids were reused (a store restored
// from a backup restarts its sequence): such a row carries a different event, so it is
// published. Whatever the check cannot settle (the scan ran out of budget, a read failed) is
// published again, the at-least-once fallback, and counted in
// novatrek_outbox_resume_unverified_total.
//
// What it cannot see, unless the relay fences: a deposed leader whose producer still holds a
// record it sent without an answer (a network cut, not a crash) may land it after the new
// leader's check; that row is then on Kafka twice. The delivery timeout does not bound this:
// franz-go retries a record that was sent and not answered past RecordDeliveryTimeout, and a
// request already in the socket's buffer is retransmitted for as long as TCP keeps the
// connection. The contract's DeposedLeaderCutOffByTheNetwork reproduces it (the old leader's
// Produce held until the successor has published and deleted the rows: each row twice). With
// Config.Fence the new leader fences the old producer before this check, which then reads
// committed records only, and the late record is refused: each row once for a read-committed
// reader (fence.go). Without it, the consumers' inboxes absorb the copy.

// resumeReadTimeout bounds the tail read of one resume; what it has not settled by then is
// published (see above).
const resumeReadTimeout = 15 * time.Second

// resumeBudget is how many records the scan reads at most per partition, as a multiple of the
// batch size: rows of other stores on a shared topic can sit between ours.
const resumeBudget = 16

// skipPublished deletes the rows already on Kafka and returns the others, to publish. It
// keeps *resume set while it finds rows to skip: the next batch may hold more of them (a
// previous leader with a larger batch size).
func (r *Relay) skipPublished(ctx context.Context, s Session, client *kgo.Client, rows []Row, resume *bool) ([]Row, error) {
	found, unsettled, err := r.alreadyPublished(ctx, client, rows)
	if err != nil {
		r.m.publishErrors.Add(float64(len(rows)))
		return nil, fmt.Errorf("resume: check which of %d rows are on Kafka: %w", len(rows), err)
	}
	r.m.resumeUnverified.Add(float64(unsettled))
	if len(found) == 0 {
		*resume = false
		r.log.InfoContext(ctx, "outbox relay: resumed; none of the oldest rows was on Kafka yet", "rows", len(rows), "unverified", unsettled)
		return rows, nil
	}
	ids := make([]int64, 0, len(found))
	rest := rows[:0:0]
	for _, row := range rows {
		if found[row.ID] {
			ids = append(ids, row.ID)
		} else {
			rest = append(rest, row)
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
	defer cancel()
	if err := s.Delete(dctx, ids); err != nil {
		r.m.storeErrors.Inc()
		return nil, fmt.Errorf("resume: delete %d rows already on Kafka: %w", len(ids), err)
	}
	r.m.resumeSkipped.Add(float64(len(ids)))
	r.log.InfoContext(ctx, "outbox relay: resumed; deleted rows already on Kafka without publishing them again",
		"skipped", len(ids), "rows", len(rows), "unverified", unsettled)
	return rest, nil
}

// partitionTail is what a resume knows of one partition: its bounds when the check began, the
// window still to read, and the waiting rows that map to it.
type partitionTail struct {
	start, end int64          // log start and last stable offset when the check began
	from, to   int64          // the next window to read, [from, to)
	read       int64          // records read so far
	minID      int64          // lowest id among rows
	rows       map[int64]*Row // the waiting rows not found yet
	settled    bool           // nothing older than the part read can be one of rows
	windowDone bool           // the current window has been read to its end
}

type topicPartition struct {
	topic     string
	partition int32
}

// alreadyPublished returns the ids of rows already on Kafka, and how many rows it could not
// settle (they are published, possibly a second time). It fails only when the brokers cannot
// list offsets; the caller retries the whole batch later.
func (r *Relay) alreadyPublished(ctx context.Context, client *kgo.Client, rows []Row) (found map[int64]bool, unsettled int, err error) {
	tails, err := r.tails(ctx, client, rows)
	if err != nil {
		return nil, 0, err
	}
	found = map[int64]bool{}
	budget := int64(resumeBudget * r.cfg.BatchSize)
	rctx, cancel := context.WithTimeout(ctx, resumeReadTimeout)
	defer cancel()
	reader := &tailReader{opts: slices.Clip(r.cfg.ClientOpts)}
	if len(reader.opts) == 0 {
		reader.opts = client.Opts()
	}
	defer reader.close()
	for {
		windows := map[topicPartition]*partitionTail{}
		for k, t := range tails {
			if !t.settled && t.from > t.start && t.read < budget {
				// The first window holds twice the rows waiting for the partition; each next one
				// doubles, so a long run of other stores' records costs few round trips.
				size := max(t.end-t.from, 2*int64(len(t.rows))+16)
				t.from, t.to = max(t.start, t.from-size), t.from
				windows[k] = t
			}
		}
		if len(windows) == 0 {
			break
		}
		if err := r.readWindows(rctx, reader, windows, found); err != nil {
			r.log.WarnContext(ctx, "outbox relay: reading the partitions' tails failed; unsettled rows are published again", "error", err)
			break
		}
	}
	open := map[int64]bool{} // an unkeyed row waits on every partition: count it once
	for _, t := range tails {
		if t.settled || t.from <= t.start {
			continue
		}
		for id := range t.rows {
			if !found[id] {
				open[id] = true
			}
		}
	}
	return found, len(open), nil
}

// tails lists the offsets of the rows' topics and maps every row to the partition the
// producer's partitioner gives it, or to every partition of its topic when the partitioner
// does not place it by its key (an unkeyed row).
func (r *Relay) tails(ctx context.Context, client *kgo.Client, rows []Row) (map[topicPartition]*partitionTail, error) {
	var topics []string
	for i := range rows {
		if !slices.Contains(topics, rows[i].Topic) {
			topics = append(topics, rows[i].Topic)
		}
	}
	adm := kadm.NewClient(client) // not closed: closing it would close the relay's client
	// The last stable offsets, not the high watermarks: the tail reader reads committed
	// records only and so cannot read past an open transaction's first record (a fenced
	// relay's own, another producer's on a shared topic); a window ending above it would never
	// finish. A record past it sits behind a transaction still open: for a fenced relay it is in that
	// transaction, which no read-committed reader has seen; an unfenced relay's own record there
	// is not found and is published again, the at-least-once fallback.
	ends, err := adm.ListCommittedOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list last stable offsets: %w", err)
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list start offsets: %w", err)
	}
	partitioner, _ := client.OptValue(kgo.RecordPartitioner).(kgo.Partitioner)
	tails := map[topicPartition]*partitionTail{}
	for i := range rows {
		row := &rows[i]
		n := len(ends[row.Topic])
		if _, unknown := ends[row.Topic][-1]; n == 0 || unknown {
			continue // the topic does not exist: nothing of it is on Kafka
		}
		for _, p := range partitionsOf(partitioner, row, n) {
			end, ok1 := ends.Lookup(row.Topic, p)
			start, ok2 := starts.Lookup(row.Topic, p)
			if !ok1 || !ok2 || end.Err != nil || start.Err != nil {
				continue // unknown: the row is published, as if not found
			}
			k := topicPartition{row.Topic, p}
			t := tails[k]
			if t == nil {
				t = &partitionTail{start: start.Offset, end: end.Offset, from: end.Offset, minID: row.ID, rows: map[int64]*Row{}}
				tails[k] = t
			}
			t.rows[row.ID] = row
			t.minID = min(t.minID, row.ID)
		}
	}
	return tails, nil
}

// partitionsOf is the partition the producer sends row to, when its partitioner places the
// row by its key alone (RequiresConsistency), else every partition of the topic.
func partitionsOf(p kgo.Partitioner, row *Row, n int) []int32 {
	if p != nil {
		rec := &kgo.Record{Topic: row.Topic, Key: row.Key, Value: row.Value}
		tp := p.ForTopic(row.Topic)
		if tp.RequiresConsistency(rec) {
			if b, ok := tp.(kgo.TopicBackupPartitioner); ok {
				return []int32{int32(b.PartitionByBackup(rec, n, noBackup{}))}
			}
			return []int32{int32(tp.Partition(rec, n))}
		}
	}
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	return all
}

// noBackup serves a partitioner that places a record by its key and so never asks how many
// records each partition buffers.
type noBackup struct{}

func (noBackup) Next() (int, int64) { return 0, 0 }
func (noBackup) Rem() int           { return 0 }

// readWindows reads each partition's window [from, to) with reader, recording found rows and
// settling partitions.
func (r *Relay) readWindows(ctx context.Context, reader *tailReader, windows map[topicPartition]*partitionTail, found map[int64]bool) error {
	offsets := map[string]map[int32]kgo.Offset{}
	left := 0
	for k, t := range windows {
		if t.from >= t.to {
			continue
		}
		if offsets[k.topic] == nil {
			offsets[k.topic] = map[int32]kgo.Offset{}
		}
		offsets[k.topic][k.partition] = kgo.NewOffset().At(t.from)
		t.windowDone = false
		left++
	}
	if left == 0 {
		return nil
	}
	cl, err := reader.assign(offsets)
	if err != nil {
		return err
	}
	for left > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read tails (%d partitions unread): %w", left, err)
		}
		if err := fs.Err(); err != nil {
			return fmt.Errorf("read tails: %w", err)
		}
		fs.EachRecord(func(rec *kgo.Record) {
			t := windows[topicPartition{rec.Topic, rec.Partition}]
			if t == nil || t.windowDone {
				return
			}
			if rec.Offset >= t.from && rec.Offset < t.to {
				t.read++
				r.match(t, rec, found)
			}
			// Offsets may skip (compaction, transaction markers): any record at or past the
			// window's last offset ends it.
			if rec.Offset >= t.to-1 {
				t.windowDone = true
				left--
			}
		})
	}
	return nil
}

// tailReader is the consumer of one resume check: one client for all its rounds, whose
// partitions are replaced from one round's windows to the next.
type tailReader struct {
	opts     []kgo.Opt // the relay's connection options
	cl       *kgo.Client
	assigned map[string][]int32
}

// assign makes the reader consume exactly offsets, creating its client on first use. Removing
// the previous round's partitions drops their buffered and in-flight fetches, so no record of
// an earlier window is read as one of the new.
func (t *tailReader) assign(offsets map[string]map[int32]kgo.Offset) (*kgo.Client, error) {
	if t.cl == nil {
		// Committed records only: an aborted transaction's records (a fenced leader's, see
		// fence.go) are not on Kafka for the readers. Control records are kept, so that a
		// window ending in a transaction marker is seen to end.
		cl, err := kgo.NewClient(append(t.opts, kgo.ConsumePartitions(offsets), kgo.FetchMaxWait(100*time.Millisecond),
			kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())...)
		if err != nil {
			return nil, fmt.Errorf("create tail reader: %w", err)
		}
		t.cl = cl
	} else {
		t.cl.RemoveConsumePartitions(t.assigned)
		t.cl.AddConsumePartitions(offsets)
	}
	t.assigned = map[string][]int32{}
	for topic, ps := range offsets {
		for p := range ps {
			t.assigned[topic] = append(t.assigned[topic], p)
		}
	}
	return t.cl, nil
}

func (t *tailReader) close() {
	if t.cl != nil {
		t.cl.Close()
	}
}

// match records rec's row as found when it is one of t's rows, byte for byte, and settles t
// once rec is a row of this store older than all of t's rows.
func (r *Relay) match(t *partitionTail, rec *kgo.Record, found map[int64]bool) {
	store, id, ok := RowOf(rec)
	if !ok || store != r.name {
		return
	}
	if row := t.rows[id]; row != nil && sameBytes(row.Key, rec.Key) && sameBytes(row.Value, rec.Value) {
		found[id] = true
		delete(t.rows, id)
	}
	if id < t.minID || len(t.rows) == 0 {
		t.settled = true // nothing older can be one of rows, or every one of them is found
	}
}

// sameBytes tells nil from empty: a tombstone is not an empty value.
func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }
