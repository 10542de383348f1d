package soak

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/outbox"
)

// Check is one invariant of a service's store that only the service knows how to state
// (payments' ledger balances, loyalty's balances equal their ledgers, ...): the CLI passes
// the services' own checks, as it passes their definitions.
type Check struct {
	Service, Name string
	// Run looks at the store and returns how many effects it checked and, when the
	// invariant does not hold, what is wrong ("" when it holds).
	Run func(ctx context.Context, db *pgxpool.Pool) (effects int64, problem string, err error)
}

// GroupResult is what became of every record on the topics a service consumes.
type GroupResult struct {
	Service string
	Topics  int
	// Records are the records on its topics. Each one before the service's stored offset
	// was Applied (its event id is in the service's inbox), DeadLettered (its position is
	// on the service's DLQ, with a reason) or Lost; Pending are those at or past the stored
	// offset, which the service had not reached when it stopped (published at the very
	// end, by a service still finishing its work).
	Records, Applied, DeadLettered, Lost, Pending int64
	// LostSample names a few lost records (topic[partition]@offset).
	LostSample []string
}

// OutputResult counts the events our services published on one topic. An event id found
// on more than one record is, by what the copies are:
//   - Republished: byte for byte the same record of the same outbox row (the relay's
//     outbox.RowHeader). The relay resumes after a lost session or a failover by deleting
//     what Kafka already has (outbox/resume.go), so the soak's faults (SIGKILL, stopped
//     stores, a second instance taking over) must not cause one: it is a violation. (A
//     deposed leader cut off by the network can still land a record after its successor's
//     check; the soak injects no network cut.)
//   - Reenqueued: the same bytes from two different outbox rows, or from a record without
//     the relay's header (the service enqueued the same deterministic event twice). Counted
//     apart, not a violation: the consumers' inboxes absorb it.
//   - Duplicated: different records (the service emitted the event twice), a violation.
//
// Events counts the records published (the topic's offsets, see readTopics); Compacted
// those of them log compaction has removed from a compacted topic (the rating aggregates
// keep the newest per target), which the duplicate check could not see.
type OutputResult struct {
	Topic                                       string
	Events, Republished, Reenqueued, Duplicated int64
	Compacted                                   int64
}

// CheckResult is the outcome of one Check.
type CheckResult struct {
	Service, Name string
	Effects       int64
	Problem       string
}

// position is where a record is.
type position struct {
	topic     string
	partition int32
	offset    int64
}

func (p position) String() string { return fmt.Sprintf("%s[%d]@%d", p.topic, p.partition, p.offset) }

// logged is a record read back: where it is and its metadata.event_id ("" when it does
// not decode).
type logged struct {
	at   position
	id   string
	hash [sha256.Size]byte // of key and value, for our services' outputs only
	row  string            // the relay's outbox.RowHeader value, "" when absent
}

// verify checks the invariants over the topics and the store and fills r.
func verify(ctx context.Context, r *Report, defs []service.Definition, checks []Check, topo *topology.Topology,
	opts []kgo.Opt, sd *serde.Serde, db *pgxpool.Pool, outboxMaxAge time.Duration, stopped time.Time) error {
	consumed, produced := map[string]bool{}, map[string]bool{}
	var all []string
	add := func(t string) {
		if !slices.Contains(all, t) {
			all = append(all, t)
		}
	}
	for _, def := range defs {
		d := def.Describe()
		for _, t := range d.Consumes {
			consumed[t] = true
			add(t)
		}
		for _, t := range d.Produces {
			produced[t] = true
			add(t)
		}
		add(topology.DeadLetterTopic(d.Name))
	}
	records := map[string][]logged{}
	dead := map[string]map[position]bool{} // DLQ topic -> the source positions on it
	var decodeErr error
	published, err := readTopics(ctx, opts, all, func(rec *kgo.Record) {
		at := position{rec.Topic, rec.Partition, rec.Offset}
		if tp, ok := topo.Topic(rec.Topic); ok && tp.Kind == topology.KindDeadLetter {
			l := deadletter.FromRecord(rec)
			r.DeadLetters++
			if l.Reason == "" || l.Kind == "" {
				r.violate("dead letter %s has no reason or kind", at)
			}
			if dead[rec.Topic] == nil {
				dead[rec.Topic] = map[position]bool{}
			}
			dead[rec.Topic][position{l.Source.Topic, l.Source.Partition, l.Source.Offset}] = true
			return
		}
		id := ""
		if d, err := deadletter.Decode(ctx, sd, rec.Value); err == nil {
			id = d.EventID()
		} else if decodeErr == nil {
			decodeErr = fmt.Errorf("soak: decode %s: %w", at, err)
		}
		l := logged{at: at, id: id}
		if produced[rec.Topic] {
			l.hash = sha256.Sum256(append(append([]byte(nil), rec.Key...), rec.Value...))
			if store, row, ok := outbox.RowOf(rec); ok {
				l.row = fmt.Sprintf("%s/%d", store, row)
			}
		}
		records[rec.Topic] = append(records[rec.Topic], l)
	})
	if err != nil {
		return err
	}
	for topic, n := range r.ByTopic {
		if got := len(records[topic]); consumed[topic] && got < n {
			r.violate("%s: the simulator had %d events acknowledged, the topic holds %d", topic, n, got)
			r.Lost += int64(n - got)
		}
	}
	for _, def := range defs {
		d := def.Describe()
		if len(d.Consumes) == 0 || d.Store.Schema == "" {
			continue
		}
		g, err := checkGroup(ctx, db, d, records, dead[topology.DeadLetterTopic(d.Name)])
		if err != nil {
			return err
		}
		r.Groups = append(r.Groups, g)
		r.Lost += g.Lost
		r.Effects += g.Records
		if g.Lost > 0 {
			r.violate("%s: %d records neither applied nor dead-lettered, e.g. %v", d.Name, g.Lost, g.LostSample)
		}
		if g.Pending > 0 && !r.CaughtUp {
			r.violate("%s: %d records not reached when the drain ended", d.Name, g.Pending)
		}
	}
	for _, topic := range slices.Sorted(maps.Keys(produced)) {
		o := OutputResult{Topic: topic, Events: published[topic], Compacted: published[topic] - int64(len(records[topic]))}
		if tp, _ := topo.Topic(topic); o.Compacted > 0 && !strings.Contains(tp.CleanupPolicy, "compact") {
			r.violate("%s: %d of its %d records are gone, and the topic is not compacted", topic, o.Compacted, o.Events)
		}
		first := map[string]logged{}
		for _, l := range records[topic] {
			if l.id == "" {
				r.violate("%s: a record our services published has no readable event id (%v)", l.at, decodeErr)
				continue
			}
			f, seen := first[l.id]
			switch {
			case !seen:
				first[l.id] = l
			case f.hash == l.hash && f.row != "" && f.row == l.row:
				o.Republished++
				r.violate("%s: outbox row %s published twice, %v and %v", topic, l.row, f.at, l.at)
			case f.hash == l.hash:
				o.Reenqueued++
			default:
				o.Duplicated++
				r.violate("%s: event %s published as two different records, %v and %v", topic, l.id, f.at, l.at)
			}
		}
		r.Outputs = append(r.Outputs, o)
		r.Duplicated += o.Duplicated
		r.Republished += o.Republished
		r.Reenqueued += o.Reenqueued
		r.Effects += o.Events - o.Compacted
	}
	if err := checkOutboxes(ctx, r, defs, db, outboxMaxAge, stopped); err != nil {
		return err
	}
	for _, c := range checks {
		n, problem, err := c.Run(ctx, db)
		if err != nil {
			return fmt.Errorf("soak: %s %s: %w", c.Service, c.Name, err)
		}
		r.Checks = append(r.Checks, CheckResult{Service: c.Service, Name: c.Name, Effects: n, Problem: problem})
		r.Effects += n
		if problem != "" {
			r.violate("%s: %s: %s", c.Service, c.Name, problem)
		}
	}
	return nil
}

// checkGroup accounts for every record on the service's topics: applied (its event id is
// in the inbox), dead-lettered (its position is on the DLQ) or lost.
func checkGroup(ctx context.Context, db *pgxpool.Pool, d service.Description, records map[string][]logged, dead map[position]bool) (GroupResult, error) {
	g := GroupResult{Service: d.Name, Topics: len(d.Consumes)}
	rows, err := db.Query(ctx, `SELECT event_id::text FROM `+pgx.Identifier{d.Store.Schema, "inbox"}.Sanitize()+` WHERE consumer_group = $1`, d.Name)
	if err != nil {
		return g, fmt.Errorf("soak: %s inbox: %w", d.Name, err)
	}
	inbox := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return g, err
		}
		inbox[id] = true
	}
	if err := rows.Err(); err != nil {
		return g, fmt.Errorf("soak: %s inbox: %w", d.Name, err)
	}
	stored, err := stream.StoredOffsets(ctx, db, d.Store.Schema, d.Name)
	if err != nil {
		return g, err
	}
	for _, topic := range d.Consumes {
		for _, l := range records[topic] {
			g.Records++
			switch {
			case l.id != "" && inbox[l.id]:
				g.Applied++
			case dead[l.at]:
				g.DeadLettered++
			case l.at.offset >= stored[topic][l.at.partition]:
				g.Pending++
			default:
				g.Lost++
				if len(g.LostSample) < 3 {
					g.LostSample = append(g.LostSample, l.at.String())
				}
			}
		}
	}
	return g, nil
}

// checkOutboxes counts the rows still waiting in every service's outbox once the services
// stopped; one that had waited longer than maxAge when they stopped is a violation (its
// relay was stuck). The age is taken at the stop, not at the check: a service finishing
// its work as it stops commits rows after its relay gave up, which wait for the next start
// on purpose, and the check itself runs a minute or more later.
func checkOutboxes(ctx context.Context, r *Report, defs []service.Definition, db *pgxpool.Pool, maxAge time.Duration, stopped time.Time) error {
	for _, def := range defs {
		d := def.Describe()
		if d.Store.Schema == "" || len(d.Produces) == 0 {
			continue
		}
		rows, age, err := outboxWaiting(ctx, db, d.Store.Schema, stopped)
		if err != nil {
			return fmt.Errorf("soak: %s outbox: %w", d.Name, err)
		}
		r.OutboxRows += rows
		r.OutboxOldest = max(r.OutboxOldest, age)
		if rows > 0 && age > maxAge {
			r.violate("%s: %d outbox rows waiting, the oldest for %v (more than %v)", d.Name, rows, age.Round(time.Second), maxAge)
		}
	}
	return nil
}

// outboxWaiting counts the rows in schema's outbox and how long the oldest had waited at
// stopped (0 for one committed after it).
func outboxWaiting(ctx context.Context, db *pgxpool.Pool, schema string, stopped time.Time) (int64, time.Duration, error) {
	var rows int64
	var oldest float64
	err := db.QueryRow(ctx, `SELECT count(*), greatest(coalesce(extract(epoch FROM $1::timestamptz - min(created_at)), 0), 0)::float8 FROM `+
		pgx.Identifier{schema, "outbox"}.Sanitize(), stopped).Scan(&rows, &oldest)
	return rows, time.Duration(oldest * float64(time.Second)), err
}
