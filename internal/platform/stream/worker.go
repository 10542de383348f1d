package stream

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// worker owns one assigned partition: it takes queued records in offset order and applies
// them batch by batch. One goroutine per partition keeps order per key (a key maps to one
// partition) while partitions progress independently, so a stuck partition (waiting for
// the store, say) never holds up the others.
type worker struct {
	p         *Processor
	topic     string
	partition int32
	log       *slog.Logger
	pm        *partitionMetrics
	batch     decodedBatch
	copy      *copyTarget // the route's CopyBatch projection; nil for a handler route

	// ctx is the handlers' context; cancel aborts the in-flight attempt.
	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{} // closed to ask for a graceful stop
	done   chan struct{} // closed when run returns

	mu     sync.Mutex
	queue  []*kgo.Record
	hwm    int64
	paused bool
	wake   chan struct{} // capacity 1: records were queued

	next int64 // next offset to handle, -1 until known; guarded by mu

	slowLeft int // batches left to claim with ON CONFLICT (see attempt)

	pipe pipeline // the attempt's statements deferred by handlers (see Deferred)

	horizonLogged bool // an event beyond the inbox horizon was logged (see checkHorizon)

	// replayUntil marks records below it Event.Replay; read from the processor at the
	// first batch (the stored offsets, and with them the bound, load before fetching).
	replayUntil int64
	replayKnown bool

	// per-batch scratch, reused
	recs   []*kgo.Record
	state  []recordState
	ids    [][16]byte
	offs   []int64 // offs[i] is the offset of ids[i]
	sel    []int
	fresh  map[[16]byte]struct{}
	rows   [][]any // a CopyBatch route's projection rows
	idRows idRows  // an event-keyed CopyBatch route's COPY source
}

func newWorker(p *Processor, route Route, partition int32) *worker {
	ctx, cancel := context.WithCancel(p.workCtx)
	return &worker{
		p:         p,
		topic:     route.topic,
		partition: partition,
		log:       p.log.With("topic", route.topic, "partition", partition),
		pm:        p.metrics.partition(route.topic, partition),
		batch:     route.impl(),
		copy:      route.copy,
		ctx:       ctx,
		cancel:    cancel,
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		wake:      make(chan struct{}, 1),
		next:      -1,
		fresh:     map[[16]byte]struct{}{},
	}
}

// highWater is the queue length at which the partition's fetching pauses; it resumes once
// the worker has taken the queue below one batch. Eight batches keep a replay's workers fed
// across fetches (a paused partition waits for the in-flight fetch) at a few MiB each.
func (w *worker) highWater() int { return 8 * w.p.cfg.MaxBatchRecords }

// enqueue appends fetched records (called by the poll loop) and pauses fetching of the
// partition when the queue is full.
func (w *worker) enqueue(recs []*kgo.Record, hwm int64) {
	w.mu.Lock()
	w.queue = append(w.queue, recs...)
	w.hwm = hwm
	if len(w.queue) >= w.highWater() && !w.paused {
		w.paused = true
		w.p.cl.PauseFetchPartitions(map[string][]int32{w.topic: {w.partition}})
	}
	if w.next >= 0 {
		w.pm.lag.Set(float64(hwm - w.next))
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// take waits for records and returns up to MaxBatchRecords of them, lingering up to
// Config.Linger for a batch to fill. It returns false when the worker is asked to stop.
func (w *worker) take() bool {
	max := w.p.cfg.MaxBatchRecords
	var linger <-chan time.Time
	lingered := w.p.cfg.Linger == 0
	for {
		w.mu.Lock()
		n := len(w.queue)
		w.mu.Unlock()
		if n >= max || n > 0 && lingered {
			break
		}
		if n > 0 && linger == nil {
			t := time.NewTimer(w.p.cfg.Linger)
			defer t.Stop()
			linger = t.C
		}
		select {
		case <-w.stop:
			return false
		case <-w.ctx.Done():
			return false
		case <-w.wake:
		case <-linger:
			lingered = true
		}
	}
	select {
	case <-w.stop:
		return false
	default:
	}

	w.mu.Lock()
	n := min(len(w.queue), max)
	w.recs = append(w.recs[:0], w.queue[:n]...)
	rest := copy(w.queue, w.queue[n:])
	clear(w.queue[rest:])
	w.queue = w.queue[:rest]
	if w.paused && len(w.queue) < max {
		w.paused = false
		w.p.cl.ResumeFetchPartitions(map[string][]int32{w.topic: {w.partition}})
	}
	if w.next < 0 {
		w.next = w.recs[0].Offset
	}
	w.mu.Unlock()
	return true
}

func (w *worker) run() {
	defer close(w.done)
	defer w.cancel()
	defer w.pm.forget()
	defer w.unpause()
	w.log.Debug("partition worker started")
	for w.take() {
		if err := w.process(); err != nil {
			w.log.Info("partition worker stopping with an unfinished batch; the next owner resumes from the stored offset",
				"first_offset", w.recs[0].Offset, "reason", err)
			return
		}
	}
}

// unpause resumes fetching on the way out: pauses outlive the assignment, and a partition
// assigned back to this member must fetch.
func (w *worker) unpause() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.paused {
		w.paused = false
		w.p.cl.ResumeFetchPartitions(map[string][]int32{w.topic: {w.partition}})
	}
}

// stopAndWait asks the worker to stop after its in-flight attempt, waits up to grace, then
// aborts the attempt (rolling its transaction back) and waits for the goroutine to end.
func (w *worker) stopAndWait(grace time.Duration) {
	close(w.stop)
	if grace > 0 {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-w.done:
			return
		case <-t.C:
			w.log.Warn("in-flight batch did not finish in time; abandoning it", "grace", grace)
		}
	}
	w.cancel()
	<-w.done
}

func (w *worker) stopping() bool {
	select {
	case <-w.stop:
		return true
	default:
		return w.ctx.Err() != nil
	}
}
