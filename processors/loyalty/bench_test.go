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

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/internal/testkit/loadtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// benchEvents is the number of completions BenchmarkEarnReplay replays
// (LOYALTY_BENCH_EVENTS overrides it).
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("LOYALTY_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 50000 // the service's start and group join, inside the timer, are a fifth of a 10,000 run
}

// Sizes of the benchmark's world.
const (
	benchMembers = 1000 // members the completions spread over
	benchReads   = 4000 // GET member calls
	benchReaders = 4    // concurrent readers
	benchCommits = 3000 // commits of the raw PostgreSQL baseline
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
	svc := servicetest.Start(b, benchSpec(), servicetest.WithoutWorkers("expiry", "tier recalculation"))
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
	commits := loadtest.RawCommitRate(b, svc.DB, servicetest.Partitions, benchCommits)

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
	p50, p99, bare50, bare99 := getMemberLatency(b, svc, guests)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	b.ReportMetric(commits, "pg_commits/s")
	b.ReportMetric(goCPU.Seconds()*1000/float64(n), "go_cpu_ms/event")
	if pg1 > pg0 {
		b.ReportMetric((pg1-pg0).Seconds()*1000/float64(n), "pg_cpu_ms/event")
	}
	b.ReportMetric(p50, "get_p50_ms")
	b.ReportMetric(p99, "get_p99_ms")
	b.ReportMetric(bare50, "bare_get_p50_ms")
	b.ReportMetric(bare99, "bare_get_p99_ms")
	b.ReportMetric(0, "ns/op")
}

// bareRoute is GET member's baseline: the same edge (authentication, access, problem
// answers), the same pool, one indexed SELECT of the balance and a trivial JSON answer.
const bareRoute = "/bench/bare-members/"

// benchSpec is the Spec with the baseline route beside the real ones.
func benchSpec() *service.Spec[*app] {
	spec := *Spec
	spec.API.Routes = append(slices.Clip(Spec.API.Routes), service.Route[*app]{Pattern: "GET " + bareRoute + "{guest_id}",
		Access: accessRead, Handle: func(a *app, w http.ResponseWriter, r *http.Request) error {
			var balance int64
			if err := a.db.QueryRow(r.Context(), `SELECT balance FROM loyalty.members WHERE guest_id = $1`,
				r.PathValue("guest_id")).Scan(&balance); err != nil {
				return err
			}
			return httpedge.WriteJSON(w, http.StatusOK, map[string]int64{"balance": balance})
		}})
	return &spec
}

// getMemberLatency calls GET /v1/members/{guest_id} and its baseline (bareRoute)
// benchReads times each, alternating, from benchReaders clients, and returns the p50 and
// p99 of each in milliseconds.
func getMemberLatency(b *testing.B, svc *servicetest.Service[*app], guests []string) (p50, p99, bare50, bare99 float64) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchReaders}}
	lat := make([]time.Duration, 2*benchReads)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range benchReaders {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < 2*benchReads; i = next.Add(1) - 1 {
				path := "/v1/members/"
				if i%2 == 1 {
					path = bareRoute
				}
				req, _ := http.NewRequest(http.MethodGet, svc.URL+path+guests[int(i/2)%len(guests)], nil)
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
					failed.Store(fmt.Errorf("GET %s answered %d", path, resp.StatusCode))
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	var real, bare []time.Duration
	for i, d := range lat {
		if i%2 == 0 {
			real = append(real, d)
		} else {
			bare = append(bare, d)
		}
	}
	return loadtest.Percentile(real, 0.50), loadtest.Percentile(real, 0.99), loadtest.Percentile(bare, 0.50), loadtest.Percentile(bare, 0.99)
}
