package weather

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// missStages breaks BenchmarkColdMisses' rounds down along the critical path of a cold
// conditions read, from fetcher.mark's trace: where the time between the round's start and
// its answers goes, beside the bare provider chain.
type missStages struct {
	mu     sync.Mutex
	start  time.Time
	events []stageEvent
	rounds int
	// per round, summed over the rounds (ms); store and record on the path to the answer or
	// after it
	edge, cache, lock, budget, provider, other float64
	store, record, storeAfter, recordAfter     float64
	// per answer, over every round (ms since the flight had its entry)
	answers []float64
}

type stageEvent struct {
	kind, stage  string
	began, ended time.Time
}

func (s *missStages) add(kind, stage string, began, ended time.Time) {
	s.mu.Lock()
	s.events = append(s.events, stageEvent{kind, stage, began, ended})
	s.mu.Unlock()
}

// begin starts a round.
func (s *missStages) begin() {
	s.mu.Lock()
	s.start, s.events = time.Now(), s.events[:0]
	s.mu.Unlock()
}

// end adds the round whose answers arrived at done (after what follows them settled).
func (s *missStages) end(b *testing.B, done []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	var first, flight *stageEvent
	flown := map[string]time.Time{} // when each kind's flight answered
	for i := range s.events {
		e := &s.events[i]
		if e.stage == "flight" {
			flown[e.kind] = e.ended
		}
		switch {
		case e.kind == "conditions" && e.stage == "cache":
			if first == nil || e.began.Before(first.began) {
				first = e
			}
		case e.kind == "conditions" && e.stage == "flight":
			flight = e
		}
	}
	if first == nil || flight == nil {
		b.Fatalf("the round traced no conditions miss or flight: %+v", s.events)
	}
	// Until the flight starts: the first miss's read (the flight may start from another
	// caller's, ending sooner) and joining the flight.
	cache := flight.began.Sub(first.began)
	var onPath time.Duration
	for _, e := range s.events {
		d := e.ended.Sub(e.began)
		// A store or record that began once its flight had answered is off the path (it
		// runs beside the next call, or after the answer).
		end, ok := flown[e.kind]
		answered := !ok || e.began.Before(end)
		switch {
		case e.kind == "grid" && e.stage == "cache":
			cache += d
		case e.stage == "lock":
			s.lock += ms(d)
			onPath += d
		case e.stage == "budget":
			s.budget += ms(d)
			onPath += d
		case e.stage == "provider":
			s.provider += ms(d)
			onPath += d
		case e.stage == "store" && answered:
			s.store += ms(d)
			onPath += d
		case e.stage == "record" && answered:
			s.record += ms(d)
			onPath += d
		case e.stage == "store":
			s.storeAfter += ms(d)
		case e.stage == "record":
			s.recordAfter += ms(d)
		}
	}
	s.edge += ms(first.began.Sub(s.start))
	s.cache += ms(cache)
	s.other += ms(flight.ended.Sub(first.began) - cache - onPath) // in the flight: JSON, scheduling
	for _, t := range done {
		s.answers = append(s.answers, ms(t.Sub(flight.ended)))
	}
	s.rounds++
}

// report prints the stages, each the mean per round in ms. On the path to the answer:
// edge (round start to the first miss's read), cache (the first miss's read until the flight
// starts, and the grid's read in it), lock (lock and re-read), budget, provider (the three calls: compare the bare chain), store (Valkey
// write, lock release) and record (PostgreSQL) when the answer waits for them, other (the
// rest of the flight: joining it, JSON, scheduling), answer p50/p99 (the flight's entry to
// the callers' answers). After the answer: store and record when it does not wait.
func (s *missStages) report(b *testing.B) {
	n := float64(s.rounds)
	b.ReportMetric(s.edge/n, "stage_edge_ms")
	b.ReportMetric(s.cache/n, "stage_cache_ms")
	b.ReportMetric(s.lock/n, "stage_lock_ms")
	b.ReportMetric(s.budget/n, "stage_budget_ms")
	b.ReportMetric(s.provider/n, "stage_provider_ms")
	b.ReportMetric(s.store/n, "stage_store_ms")
	b.ReportMetric(s.record/n, "stage_record_ms")
	b.ReportMetric(s.other/n, "stage_other_ms")
	slices.Sort(s.answers)
	b.ReportMetric(s.answers[len(s.answers)/2], "stage_answer_p50_ms")
	b.ReportMetric(s.answers[len(s.answers)*99/100], "stage_answer_p99_ms")
	b.ReportMetric(s.storeAfter/n, "after_store_ms")
	b.ReportMetric(s.recordAfter/n, "after_record_ms")
}
