package stream_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// TestCrashAfterStoreCommit kills a processor right after a store commit, before the Kafka
// offset commit, and restarts a fresh one: Kafka would redeliver the batch, but nothing is
// applied twice.
func TestCrashAfterStoreCommit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		// forgetOffsets deletes the stored offsets before the restart, so only the inbox
		// stands between the redelivered batch and a second effect.
		forgetOffsets bool
	}{
		{"StoredOffsets", false},
		{"InboxOnly", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 3)
			const total = 300
			r.produceCreated(0, total/2)

			first, _ := r.processor(r.pool, false, func(cfg *stream.Config) { cfg.MaxBatchRecords = 20 })
			var crashedAt atomic.Int64
			var crashedPartition atomic.Int32
			var commits atomic.Int32
			stream.SetAfterCommit(first, func(topic string, partition int32, next int64) bool {
				if commits.Add(1) != 3 {
					return false
				}
				crashedPartition.Store(partition)
				crashedAt.Store(next)
				return true
			})
			run := streamtest.Start(t, first)
			<-run.Done()
			if err := run.Err(); !errors.Is(err, stream.ErrCrashed) {
				t.Fatalf("first processor returned %v, want the simulated crash", err)
			}

			// The crash lost the Kafka commit: Kafka's offset is behind the store's.
			p := crashedPartition.Load()
			stored := r.stored()[testproc.CreatedTopic][p]
			if stored != crashedAt.Load() {
				t.Fatalf("stored offset of partition %d is %d, want %d (the crashed batch's commit)", p, stored, crashedAt.Load())
			}
			if o, ok := r.committed().Lookup(testproc.CreatedTopic, p); ok && o.At >= stored {
				t.Fatalf("kafka offset %d of partition %d is not behind the stored %d: the test did not crash between the commits", o.At, p, stored)
			}
			appliedBefore := r.applied()
			if appliedBefore == 0 {
				t.Fatal("nothing was applied before the crash")
			}
			if c.forgetOffsets {
				if _, err := r.pool.Exec(context.Background(), `DELETE FROM testproc.consumer_offsets`); err != nil {
					t.Fatal(err)
				}
			}

			second, reg := r.processor(r.pool, false, nil)
			streamtest.Start(t, second)
			r.produceCreated(total/2, total)
			r.waitApplied(total)
			streamtest.Eventually(t, "every record handled or skipped", func() (bool, error) {
				// applied counts effects; wait until the restarted processor has also
				// passed over every redelivered record before checking for doubles.
				return r.stored()[testproc.CreatedTopic] != nil && sumStored(r, testproc.CreatedTopic) == int64(total), nil
			})
			r.checkExactlyOnce(total, 0)
			dups := metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "duplicate"})
			if c.forgetOffsets && dups == 0 {
				t.Error("without stored offsets the redelivered records should have been skipped as duplicates by the inbox")
			}
			if !c.forgetOffsets && dups != 0 {
				t.Errorf("%v records were redelivered although the stored offsets say where to resume", dups)
			}
		})
	}
}

func sumStored(r *rig, topic string) int64 {
	var n int64
	for _, next := range r.stored()[topic] {
		n += next
	}
	return n
}
