package stream_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// BenchmarkInboxClaim is where a CopyBatch replay's extra PostgreSQL CPU goes: the claim
// every batch sends, alone, on six partitions in parallel as a replay's workers send it, in
// three forms measured in the same run on fresh copies of the runtime's tables:
//
//   - offset: the stored offset moved, no inbox row (an event-keyed route's claim) — the
//     baseline;
//   - inbox, random ids: the inbox claim with random (v4-like) event ids, as every
//     service's events carry;
//   - inbox, ordered ids: the same with ids that grow, so the inbox's B-tree is appended
//     at its right edge instead of written all over;
//   - slim inbox, random ids: random ids into stream.SlimInbox, the group and topic as
//     integers instead of text (an idea weighed in CopyBatch's doc, not the runtime's
//     table).
//
// It prints the PostgreSQL backends' CPU µs per event of each: the inbox row's cost is
// the second minus the first, and how much of it the ids' randomness is, the second minus
// the third (STREAM_BENCH_CLAIM_EVENTS events each, default 198,000).
func BenchmarkInboxClaim(b *testing.B) {
	n := benchSize("STREAM_BENCH_CLAIM_EVENTS", 198_000)
	pool := pgtest.NewDB(b)
	ctx := context.Background()
	forms := []struct {
		name        string
		inbox, slim bool
		ordered     bool
	}{{"offset", false, false, false}, {"inbox-random", true, false, false}, {"inbox-ordered", true, false, true}, {"slim-random", true, true, false}}
	b.ResetTimer()
	for i := range b.N {
		for _, f := range forms {
			schema := fmt.Sprintf("claim_%s_%d", strings.ReplaceAll(f.name, "-", "_"), i)
			if _, err := migrate.Apply(ctx, pool, schema, stream.Migrations()); err != nil {
				b.Fatal(err)
			}
			if f.slim {
				if _, err := pool.Exec(ctx, `SET search_path TO `+schema+`; `+stream.SlimInbox); err != nil {
					b.Fatal(err)
				}
			}
			cpu0 := backendsCPU(b, pool)
			start := time.Now()
			if err := claimAll(ctx, pool, schema, n, f.inbox, f.slim, f.ordered); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			perEvent := float64((backendsCPU(b, pool) - cpu0).Microseconds()) / float64(n)
			b.ReportMetric(perEvent, "cpu-µs/event-postgres-"+f.name)
			b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s-"+f.name)
			fmt.Fprintf(os.Stderr, "inbox claim, %s: %d events in %v, PostgreSQL %.2f µs/event\n", f.name, n, elapsed.Round(time.Millisecond), perEvent)
		}
	}
}

// claimAll claims n events in batches of stream.DefaultMaxBatchRecords on six partitions
// at once, each partition's batches one transaction after another.
func claimAll(ctx context.Context, pool *pgxpool.Pool, schema string, n int, inbox, slim, ordered bool) error {
	const parts = 6
	const batch = stream.DefaultMaxBatchRecords
	var seq uint64
	var mu sync.Mutex
	errs := make(chan error, parts)
	for p := range int32(parts) {
		go func() {
			ids, offs := make([][16]byte, batch), make([]int64, batch)
			var off int64
			for done := 0; done < n/parts; done += batch {
				for k := range ids {
					_, _ = rand.Read(ids[k][:])
					if ordered {
						mu.Lock()
						seq++
						binary.BigEndian.PutUint64(ids[k][:8], seq)
						mu.Unlock()
					}
					offs[k] = off
					off++
				}
				claim := ids
				if !inbox {
					claim = nil
				}
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					return stream.Claim(ctx, tx, schema, "bench-claim", "bench.claim", p, off, claim, offs, slim)
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range parts {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
