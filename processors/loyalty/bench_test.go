package loyalty

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// benchEvents is the number of completions BenchmarkEarnReplay replays
// (LOYALTY_BENCH_EVENTS overrides it).
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("LOYALTY_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// Sizes of the benchmark's world.
const (
	benchMembers = 1000 // members the completions spread over
	benchReads   = 4000 // GET member calls
	benchReaders = 4    // concurrent readers
)

// BenchmarkEarnReplay replays completed reservations into the PostgreSQL store: the
// service is stopped, the completions are produced (untimed), and the timer runs from the
// restart until the consumer has applied all of them: decode, inbox, booking verified with
// the svc-reservations stand-in over HTTP, the member locked, the rule table, the ledger
// entry, its lot, the balance, the tier aggregation and loyalty-points.earned in the
// outbox. Beside it, in the same run, the raw commit rate of the same PostgreSQL (one
// writer per partition, single-row INSERT transactions) and the latency of GET
// /v1/members/{guest_id} through the HTTP edge from 4 clients. The CPU each completion
// costs, in this process (service, stand-in, kfake) and in PostgreSQL, is the figure
// other jobs' load changes least.
func BenchmarkEarnReplay(b *testing.B) {
	n := benchEvents()
	svc := servicetest.Start(b, Spec, servicetest.WithoutWorkers("expiry", "tier recalculation"))
	up := svc.Fakes.StandIns()
	ctx := context.Background()
	now := time.Now().UTC()
	guests := make([]string, benchMembers)
	for i := range guests {
		guests[i] = uuid.NewString()
		ev := registration(guests[i], now)
		up.Apply(ev)
		svc.Publish(TopicGuestRegistered, guests[i], ev)
	}
	svc.AwaitCount(benchMembers, `SELECT count(*) FROM loyalty.members`)

	if err := svc.Stop(); err != nil {
		b.Fatal(err)
	}
	recs := make([]*kgo.Record, n)
	for i := range recs {
		res, guest := uuid.NewString(), guests[i%benchMembers]
		up.Apply(booking(res, guest, fmt.Sprintf("%d.50", 50+i%900), "USD", now))
		ev := statusChange(res, guest, "COMPLETED", now)
		up.Apply(ev)
		v, err := svc.Kafka.Serde.Encode(ctx, TopicReservationStatus, ev.Schema(), ev)
		if err != nil {
			b.Fatal(err)
		}
		recs[i] = &kgo.Record{Topic: TopicReservationStatus, Key: []byte(res), Value: v}
	}
	if err := svc.Kafka.Client(b).ProduceSync(ctx, recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	commits := rawCommitRate(b, svc)

	pg0, err := cpustat.Backends(ctx, svc.DB)
	if err != nil {
		b.Fatal(err)
	}
	go0 := cpustat.Process()
	b.ResetTimer()
	start := time.Now()
	svc.Restart()
	for deadline := start.Add(10 * time.Minute); ; {
		var applied int
		if err := svc.DB.QueryRow(ctx, `SELECT count(*) FROM loyalty.point_transactions WHERE kind = 'earn'`).Scan(&applied); err != nil {
			b.Fatal(err)
		}
		if applied == n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d completions applied after 10 minutes", applied, n)
		}
		// Seldom, so that this count's own CPU stays out of pg_cpu_ms/event.
		time.Sleep(250 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	pg1, err := cpustat.Backends(ctx, svc.DB)
	if err != nil {
		b.Fatal(err)
	}
	goCPU := cpustat.Process() - go0
	var txs int
	if err := svc.DB.QueryRow(ctx, `SELECT count(DISTINCT xmin::text) FROM loyalty.point_transactions WHERE kind = 'earn'`).Scan(&txs); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d completions applied in %d transactions", n, txs)
	if got := checkLedger(b, svc.DB); got != benchMembers {
		b.Fatalf("%d members after the replay", got)
	}
	p50, p99 := getMemberLatency(b, svc, guests)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	b.ReportMetric(commits, "pg_commits/s")
	b.ReportMetric(goCPU.Seconds()*1000/float64(n), "go_cpu_ms/event")
	if pg1 > pg0 {
		b.ReportMetric((pg1-pg0).Seconds()*1000/float64(n), "pg_cpu_ms/event")
	}
	b.ReportMetric(p50, "get_p50_ms")
	b.ReportMetric(p99, "get_p99_ms")
	b.ReportMetric(0, "ns/op")
}

// rawCommitRate is how many single-row INSERT transactions per second the service's
// database commits from one writer per partition (the consumer's partition workers), the
// baseline measured in the same run.
func rawCommitRate(b *testing.B, svc *servicetest.Service[*app]) float64 {
	b.Helper()
	ctx := context.Background()
	if _, err := svc.DB.Exec(ctx, `CREATE TABLE public.bench_commits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)`); err != nil {
		b.Fatal(err)
	}
	const perWriter = 1000
	var wg sync.WaitGroup
	errs := make(chan error, servicetest.Partitions)
	start := time.Now()
	for range servicetest.Partitions {
		wg.Go(func() {
			for range perWriter {
				if _, err := svc.DB.Exec(ctx, `INSERT INTO public.bench_commits (note) VALUES ('x')`); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return perWriter * servicetest.Partitions / time.Since(start).Seconds()
}

// getMemberLatency calls GET /v1/members/{guest_id} benchReads times from benchReaders
// clients and returns the p50 and p99 in milliseconds.
func getMemberLatency(b *testing.B, svc *servicetest.Service[*app], guests []string) (float64, float64) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchReaders}}
	lat := make([]time.Duration, benchReads)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range benchReaders {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < benchReads; i = next.Add(1) - 1 {
				req, _ := http.NewRequest(http.MethodGet, svc.URL+"/v1/members/"+guests[int(i)%len(guests)], nil)
				req.Header.Set("Authorization", "Bearer "+servicetest.Token(CallerGuestProfiles))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Store(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					failed.Store(fmt.Errorf("GET member answered %d", resp.StatusCode))
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
	return ms(0.50), ms(0.99)
}
