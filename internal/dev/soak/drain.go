package soak

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
)

// quiet is how long nothing must be left to apply or publish before the services count as
// caught up: some keep working after the traffic ends (deliveries retried, their status
// events published), which a single look would miss.
const quiet = 10 * time.Second

// progressEvery is how often the drain says how much is left and how fast it goes, so a
// slow drain (a backlog shrinking at some rate) tells apart from a stuck one (no progress).
const progressEvery = time.Minute

// Backlog is work a service holds inside its own store that it still turns into events
// (svc-notifications' queued deliveries): the drain waits for it as for the records and
// the outbox rows, which alone look nearly done while such a backlog is worked through.
type Backlog struct {
	Service string
	// Count is the work left that is due by until (now, at each look): work scheduled later
	// waits for its time on purpose and is not waited for, so a notification deferred into
	// the drain neither holds it open nor reads as a stalled backlog.
	Count func(ctx context.Context, db *pgxpool.Pool, until time.Time) (int64, error)
}

// drain waits until every service has applied every record on its topics (its stored
// offsets, kept in its own store beside its effects, reach the end of each partition),
// every outbox is empty and every Backlog is worked off, or Drain passes: what is left then
// shows in the invariants.
func (s *soak) drain(ctx context.Context) error {
	s.restartEnded(false)
	db, err := pgxpool.New(ctx, s.pg.url(database))
	if err != nil {
		return err
	}
	defer db.Close()
	cl, err := kgo.NewClient(s.kafkaOpts()...)
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	deadline := time.Now().Add(s.cfg.Drain)
	var quietSince time.Time
	pace := pace{at: time.Now(), left: -1}
	for {
		behind, by, err := s.behind(ctx, db, adm, time.Now())
		if line := pace.next(behind, time.Now()); line != "" {
			s.progress("draining: %s %v", line, by)
		}
		switch {
		case err != nil || behind > 0:
			quietSince = time.Time{}
		case quietSince.IsZero():
			quietSince = time.Now()
		case time.Since(quietSince) >= quiet:
			s.progress("caught up: nothing left to apply, publish or deliver for %v", quiet)
			s.report.CaughtUp = true
			return nil
		}
		if time.Now().After(deadline) {
			s.progress("not caught up after %v: %d records, outbox rows or queued deliveries left %v (%v); %s",
				s.cfg.Drain, behind, by, err, pace.overall(behind, time.Now()))
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// behind is the number of records the services have yet to apply plus the outbox rows
// waiting to be published plus their backlogs due by until, in all and by service.
func (s *soak) behind(ctx context.Context, db *pgxpool.Pool, adm *kadm.Client, until time.Time) (int64, map[string]int64, error) {
	var total int64
	by := map[string]int64{}
	for _, b := range s.cfg.Backlogs {
		n, err := b.Count(ctx, db, until)
		if err != nil {
			return -1, nil, fmt.Errorf("%s backlog: %w", b.Service, err)
		}
		total += n
		by[b.Service] += n
	}
	for _, def := range s.cfg.Services {
		d := def.Describe()
		before := total
		if d.Store.Schema == "" {
			continue
		}
		if len(d.Produces) > 0 {
			var n int64
			if err := db.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{d.Store.Schema, "outbox"}.Sanitize()).Scan(&n); err != nil {
				return -1, nil, err
			}
			total += n
		}
		if len(d.Consumes) == 0 {
			continue
		}
		ends, err := adm.ListEndOffsets(ctx, d.Consumes...)
		if err != nil {
			return -1, nil, err
		}
		stored, err := stream.StoredOffsets(ctx, db, d.Store.Schema, d.Name)
		if err != nil {
			return -1, nil, err
		}
		ends.Each(func(o kadm.ListedOffset) {
			if o.Err == nil && o.Offset > stored[o.Topic][o.Partition] {
				total += o.Offset - stored[o.Topic][o.Partition]
			}
		})
		if total > before {
			by[d.Name] += total - before
		}
	}
	for name, n := range by {
		if n == 0 {
			delete(by, name)
		}
	}
	return total, by, nil
}

// pace measures how fast the work left shrinks: a line every progressEvery with the rate
// over that minute, and the rate over the whole drain at its end.
type pace struct {
	at        time.Time // the last line's time
	left      int64     // the work left then; -1 before the first look
	start     time.Time
	startLeft int64
}

// next takes the latest look at the work left (-1: the look failed) and returns the line to
// print, or "" when it is not time for one.
func (p *pace) next(left int64, now time.Time) string {
	if left < 0 {
		return ""
	}
	if p.left < 0 {
		p.at, p.left, p.start, p.startLeft = now, left, now, left
		return ""
	}
	if now.Sub(p.at) < progressEvery {
		return ""
	}
	line := fmt.Sprintf("%d left, %s over the last %v", left, rate(p.left-left, now.Sub(p.at)), now.Sub(p.at).Round(time.Second))
	p.at, p.left = now, left
	return line
}

// overall says how fast the drain went and, at that rate, how long the rest would take.
func (p *pace) overall(left int64, now time.Time) string {
	if p.left < 0 || left < 0 {
		return "no rate measured"
	}
	d := now.Sub(p.start)
	done := p.startLeft - left
	line := fmt.Sprintf("%d at the start, %s over %v", p.startLeft, rate(done, d), d.Round(time.Second))
	if done <= 0 {
		return line + ": no progress, something is stuck"
	}
	rest := time.Duration(float64(left) / float64(done) * float64(d))
	return fmt.Sprintf("%s: about %v more at that rate", line, rest.Round(time.Minute))
}

// rate is n over d per second, signed: a growing backlog shows as negative progress.
func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "no rate"
	}
	return fmt.Sprintf("%.1f/s", float64(n)/d.Seconds())
}
