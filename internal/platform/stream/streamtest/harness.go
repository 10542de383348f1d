package streamtest

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// WaitTimeout bounds every Eventually: long enough for a loaded 2-core CI machine, short
// enough that a stuck test fails instead of hanging.
const WaitTimeout = 60 * time.Second

// Eventually polls cond until it returns true, failing the test if it returns an error or
// WaitTimeout passes. It is how tests wait for asynchronous effects: no fixed sleeps.
func Eventually(t testing.TB, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", WaitTimeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Logger returns a logger writing to the test's output at level.
func Logger(t testing.TB, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}

// CreateTopics creates topics with the given partition count on env's cluster.
func CreateTopics(t testing.TB, env *kafkatest.Env, partitions int32, topics ...string) {
	t.Helper()
	env.CreateTopics(t, partitions, topics...)
}

// Running is a processor running in the background.
type Running struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Start runs p until Stop or the end of the test.
func Start(t testing.TB, p *stream.Processor) *Running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = p.Run(ctx)
	}()
	t.Cleanup(func() { _ = r.Stop() })
	return r
}

// Stop cancels the processor's context and waits for Run to return its error.
func (r *Running) Stop() error {
	r.cancel()
	<-r.done
	return r.err
}

// Done is closed when Run has returned.
func (r *Running) Done() <-chan struct{} { return r.done }

// Err is Run's result once Done is closed.
func (r *Running) Err() error { return r.err }

// ReadTopic returns every record of topic present when it is called, in partition then
// offset order.
func ReadTopic(t testing.TB, env *kafkatest.Env, topic string) []*kgo.Record {
	t.Helper()
	recs, err := readTopic(env, topic)
	if err != nil {
		t.Fatalf("read topic %s: %v", topic, err)
	}
	return recs
}

func readTopic(env *kafkatest.Env, topic string) ([]*kgo.Record, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admCl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...))
	if err != nil {
		return nil, err
	}
	defer admCl.Close()
	ends, err := kadm.NewClient(admCl).ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	if len(want) == 0 {
		return nil, nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: startOffsets(want)}))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	byPartition := map[int32][]*kgo.Record{}
	for len(want) > 0 {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var ferr error
		fetches.EachError(func(_ string, _ int32, err error) { ferr = errors.Join(ferr, err) })
		if ferr != nil {
			return nil, ferr
		}
		fetches.EachRecord(func(r *kgo.Record) {
			end, ok := want[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			byPartition[r.Partition] = append(byPartition[r.Partition], r)
			if r.Offset == end-1 {
				delete(want, r.Partition)
			}
		})
	}
	var out []*kgo.Record
	for p := int32(0); len(byPartition) > 0; p++ {
		out = append(out, byPartition[p]...)
		delete(byPartition, p)
	}
	return out, nil
}

func startOffsets(parts map[int32]int64) map[int32]kgo.Offset {
	out := map[int32]kgo.Offset{}
	for p := range parts {
		out[p] = kgo.NewOffset().AtStart()
	}
	return out
}

// Header returns the value of the last header named key, and whether there is one.
func Header(r *kgo.Record, key string) (string, bool) {
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if r.Headers[i].Key == key {
			return string(r.Headers[i].Value), true
		}
	}
	return "", false
}
