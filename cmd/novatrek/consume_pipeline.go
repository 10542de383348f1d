package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/serde"
)

// chunk is a run of records of one partition, decoded by one worker into out.
type chunk struct {
	recs []*kgo.Record
	out  []byte
	err  error // decoding could not go on (registry down, run cancelled); out is incomplete
	done chan struct{}
}

// linePipeline decodes chunks on every core and writes their lines in submission order, so
// the records of a partition come out in offset order while the JSON work runs in parallel.
type linePipeline struct {
	jobs  chan *chunk
	order chan *chunk
	wg    sync.WaitGroup
	bufs  sync.Pool // []byte output buffers, reused once written
	werr  chan error

	mu      sync.Mutex
	failure error // first reason decoding could not go on (the registry is down)
}

// fail records why decoding stopped; the first reason wins.
func (p *linePipeline) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failure == nil {
		p.failure = err
	}
}

// A write error (a closed pipe, a full disk) or a registry that stays down calls stop, so the
// reader ends instead of fetching into a pipeline that no longer writes.
func startPipeline(ctx context.Context, stop context.CancelFunc, s *serde.Serde, valueOnly bool, out io.Writer, flushEach bool) *linePipeline {
	workers := runtime.GOMAXPROCS(0)
	p := &linePipeline{
		jobs:  make(chan *chunk, 4*workers),
		order: make(chan *chunk, 4*workers),
		werr:  make(chan error, 1),
	}
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			lw := newLineWriter(s, valueOnly)
			for c := range p.jobs {
				for _, r := range c.recs {
					if c.out, c.err = lw.appendLine(ctx, c.out, r); c.err != nil {
						if !errors.Is(c.err, context.Canceled) {
							p.fail(c.err)
						}
						stop()
						break
					}
				}
				close(c.done)
			}
		}()
	}
	go func() {
		bw := bufio.NewWriterSize(out, 256<<10)
		var (
			err     error
			stopped bool
		)
		for c := range p.order {
			<-c.done
			if err != nil || stopped {
				continue // drain so submitters never block
			}
			if c.err != nil {
				stopped = true // what came before is written; nothing after it is
				continue
			}
			if _, err = bw.Write(c.out); err == nil && flushEach {
				err = bw.Flush()
			}
			if err != nil {
				stop()
			}
			p.bufs.Put(c.out[:0])
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			err = fmt.Errorf("writing output: %w", err)
		}
		p.werr <- err
	}()
	return p
}

// submit queues recs (all of one partition, in offset order) for decoding and output.
func (p *linePipeline) submit(recs []*kgo.Record) {
	c := &chunk{recs: recs, done: make(chan struct{})}
	if b, ok := p.bufs.Get().([]byte); ok {
		c.out = b
	} else {
		c.out = make([]byte, 0, 2048*consumeChunk) // our events print as ~1 KiB lines
	}
	p.order <- c
	p.jobs <- c
}

// close waits until everything submitted is written (or given up) and returns why decoding
// stopped, else the first write error.
func (p *linePipeline) close() error {
	close(p.jobs)
	close(p.order)
	p.wg.Wait()
	werr := <-p.werr
	if p.failure != nil {
		return fmt.Errorf("decoding records: %w", p.failure)
	}
	return werr
}
