package deadletter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/topology"
)

// Headers a re-drive adds to the record it sends back, after the dead letter's own (the
// original record's headers and the runtime's dlq.* ones, kept as its history). A record
// re-driven twice carries two sets; readers take the last occurrence.
const (
	// HeaderRedriveID is the re-drive's id, the redrive_id of its rows in the redrives table.
	HeaderRedriveID = "dlq.redrive.id"
	// HeaderRedriveAt is when it was re-driven, RFC 3339 with nanoseconds, UTC.
	HeaderRedriveAt = "dlq.redrive.at"
	// HeaderRedriveBy is who re-drove it (--by).
	HeaderRedriveBy = "dlq.redrive.by"
	// HeaderRedriveFromTopic, ...Partition and ...Offset name the dead letter it was sent
	// from.
	HeaderRedriveFromTopic     = "dlq.redrive.from-topic"
	HeaderRedriveFromPartition = "dlq.redrive.from-partition"
	HeaderRedriveFromOffset    = "dlq.redrive.from-offset"
)

// Action is what a re-drive does with one chosen dead letter.
type Action string

const (
	// Send: produce it to its source topic and partition.
	Send Action = "send"
	// SkipRedriven: it was re-driven before, or it is what an earlier re-drive of its
	// event dead-lettered again (Previous says which re-drive, when and by whom); Again
	// sends it anyway. So the same re-drive run twice sends nothing the second time.
	SkipRedriven Action = "skip-redriven"
	// SkipInvalid: its headers do not say where it came from (Problem says what is wrong).
	SkipInvalid Action = "skip-invalid"
)

// Item is one chosen dead letter in a re-drive.
type Item struct {
	Letter Letter
	Action Action
	// Record is the redrives row this item writes (Send) or wrote (after Execute: its Status
	// and Target.Offset say what happened).
	Record Record
	// Previous is the earlier re-drive that makes it SkipRedriven: of this dead letter, or
	// (Previous.DeadLetter elsewhere) the one whose re-drive failed again into this one.
	Previous *Record
	// Problem says why it is SkipInvalid.
	Problem string
}

// Request says which dead letters to re-drive and how to record it.
type Request struct {
	Group string
	// Letters are the chosen dead letters (from Reader.Read).
	Letters []Letter
	// By names who re-drives (required) and Note why; both go into the record.
	By, Note string
	// Again sends dead letters that were already re-driven.
	Again bool
	// At is the re-drive's time; zero means now.
	At time.Time
}

// Redrive is a planned or executed re-drive.
type Redrive struct {
	ID    string
	Group string
	At    time.Time
	Again bool
	Items []Item
}

// Count returns how many items have action a.
func (r *Redrive) Count(a Action) int {
	n := 0
	for i := range r.Items {
		if r.Items[i].Action == a {
			n++
		}
	}
	return n
}

// Plan decides what a re-drive of req would do, reading (never writing) the redrives
// table: a dry run is Plan alone.
func (s *Store) Plan(ctx context.Context, req Request) (*Redrive, error) {
	if req.Group == "" {
		return nil, errors.New("deadletter: re-drive: no consumer group")
	}
	if req.By == "" {
		return nil, errors.New("deadletter: re-drive: who re-drives is not set (--by)")
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("deadletter: re-drive id: %w", err)
	}
	at := req.At
	if at.IsZero() {
		at = time.Now()
	}
	rd := &Redrive{ID: id.String(), Group: req.Group, At: at.UTC(), Again: req.Again}
	done, err := s.Sent(ctx, topology.DeadLetterTopic(req.Group))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]Record, len(done))
	for _, r := range done {
		byID[r.RedriveID] = r
	}
	letters := slices.Clone(req.Letters)
	slices.SortFunc(letters, func(a, b Letter) int {
		return cmp.Or(cmp.Compare(a.At.Partition, b.At.Partition), cmp.Compare(a.At.Offset, b.At.Offset))
	})
	for _, l := range letters {
		it := Item{Letter: l, Action: Send, Record: rd.record(l, req)}
		switch prev, ok := done[l.At]; {
		case !l.Redrivable():
			it.Action, it.Problem = SkipInvalid, fmt.Sprint(l.Problems)
		case ok && !req.Again:
			it.Action, it.Previous = SkipRedriven, &prev
		case !req.Again && l.LastRedriveID != "":
			// A re-driven record that failed again: sending it now would repeat the
			// earlier re-drive, which is what running the same command twice does.
			if prev, ok := byID[l.LastRedriveID]; ok {
				it.Action, it.Previous = SkipRedriven, &prev
			}
		}
		rd.Items = append(rd.Items, it)
	}
	return rd, nil
}

func (rd *Redrive) record(l Letter, req Request) Record {
	return Record{
		RedriveID:  rd.ID,
		Group:      rd.Group,
		DeadLetter: l.At,
		Source:     l.Source,
		Target:     Position{Topic: l.Source.Topic, Partition: l.Source.Partition, Offset: -1},
		EventID:    l.EventID,
		Reason:     l.Reason,
		Kind:       l.Kind,
		By:         req.By,
		At:         rd.At,
		Note:       req.Note,
	}
}

// Execute carries rd out: it records the items to send as pending (skipping, under a lock,
// any that another re-drive claimed since Plan), produces them in dead-letter order through
// cl and records each outcome. cl must use kgo.ManualPartitioner (see ProducerOpts). It
// returns an error when a record could not be sent; rd's items say which.
func (s *Store) Execute(ctx context.Context, cl *kgo.Client, rd *Redrive) error {
	topic := topology.DeadLetterTopic(rd.Group)
	var want []Record
	for i := range rd.Items {
		if rd.Items[i].Action == Send {
			want = append(want, rd.Items[i].Record)
		}
	}
	if len(want) == 0 {
		return nil
	}
	claimed, skipped, err := s.claim(ctx, topic, want, rd.Again)
	if err != nil {
		return err
	}
	for _, prev := range skipped {
		it := rd.item(prev.DeadLetter)
		it.Action, it.Previous = SkipRedriven, &prev
	}
	recs := make([]*kgo.Record, len(claimed))
	index := make(map[*kgo.Record]int, len(claimed))
	for i, c := range claimed {
		recs[i] = rd.item(c.DeadLetter).produceRecord(rd)
		index[recs[i]] = i
	}
	var errs []error
	for _, res := range cl.ProduceSync(ctx, recs...) {
		c := &claimed[index[res.Record]]
		switch {
		case res.Err != nil && ctx.Err() != nil:
			// Given up while the record may be on its way: the outcome is unknown, so the
			// row stays pending, which later re-drives count as sent.
			c.Error = "outcome unknown, the re-drive was interrupted: " + res.Err.Error()
			errs = append(errs, fmt.Errorf("sending %s to %s[%d] (it may have been sent; recorded as pending): %w", c.DeadLetter, c.Target.Topic, c.Target.Partition, res.Err))
		case res.Err != nil:
			c.Status, c.Error = StatusFailed, res.Err.Error()
			errs = append(errs, fmt.Errorf("sending %s to %s[%d]: %w", c.DeadLetter, c.Target.Topic, c.Target.Partition, res.Err))
		default:
			c.Status, c.Target.Offset = StatusSent, res.Record.Offset
		}
	}
	for _, c := range claimed {
		rd.item(c.DeadLetter).Record = c
		// Record the outcome even when the caller's context ended: a sent record left
		// pending would still count as sent, but the offset would be lost.
		if err := s.finish(context.WithoutCancel(ctx), c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (rd *Redrive) item(at Position) *Item {
	for i := range rd.Items {
		if rd.Items[i].Letter.At == at {
			return &rd.Items[i]
		}
	}
	panic("deadletter: re-drive has no item at " + at.String()) // claim only returns what it was given
}

// produceRecord is the record sent back: key, value and headers of the dead letter, plus
// the re-drive's headers, to the source partition.
func (it *Item) produceRecord(rd *Redrive) *kgo.Record {
	l := &it.Letter
	hs := make([]kgo.RecordHeader, 0, len(l.Headers)+6)
	hs = append(hs, l.Headers...)
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderRedriveID, Value: []byte(rd.ID)},
		kgo.RecordHeader{Key: HeaderRedriveAt, Value: []byte(rd.At.Format(time.RFC3339Nano))},
		kgo.RecordHeader{Key: HeaderRedriveBy, Value: []byte(it.Record.By)},
		kgo.RecordHeader{Key: HeaderRedriveFromTopic, Value: []byte(l.At.Topic)},
		kgo.RecordHeader{Key: HeaderRedriveFromPartition, Value: strconv.AppendInt(nil, int64(l.At.Partition), 10)},
		kgo.RecordHeader{Key: HeaderRedriveFromOffset, Value: strconv.AppendInt(nil, l.At.Offset, 10)},
	)
	return &kgo.Record{
		Topic:     l.Source.Topic,
		Partition: l.Source.Partition,
		Key:       l.Key,
		Value:     l.Value,
		Headers:   hs,
	}
}

// ProducerOpts are the client options a re-drive producer needs besides the brokers: records
// go to the partition they came from, the producer is idempotent (franz-go's default) and
// waits for every in-sync replica.
func ProducerOpts() []kgo.Opt {
	return []kgo.Opt{
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
	}
}
