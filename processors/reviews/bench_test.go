package reviews

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// benchWords is the generated reviews' vocabulary: 200 words, so a word is in about one
// review in ten and a two-word query with a trip filter finds a handful per trip.
var benchWords = func() []string {
	base := strings.Fields(`river canyon guide rafting trail summit camp sunrise sunset kayak paddle rapids
	glacier forest desert dune lake waterfall cliff ridge valley bridge cabin tent fire stars eagle bear
	moose whale orca dolphin seal puffin heron owl wolf fox elk bison coyote lizard snake trout salmon`)
	var out []string
	for _, w := range base {
		for _, suffix := range []string{"", "side", "land", "way", "view"} {
			out = append(out, w+suffix)
		}
	}
	return out[:200]
}()

// BenchmarkReviews measures, on a store of BENCH_REVIEWS generated reviews (default
// 1,000,000) over 1,000 trips: search p99 for a two-word query filtered by trip and
// rating, through the API; rating (aggregate) read p99 through the API; and submissions per
// second (gate from the copy, moderation, review, aggregates and two outbox events in one
// transaction) with 8 concurrent writers, beside raw single-row PostgreSQL commits with as
// many writers in the same run.
func BenchmarkReviews(b *testing.B) {
	size := 1_000_000
	if v := os.Getenv("BENCH_REVIEWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("BENCH_REVIEWS %q is not a number of at least 1000", v)
		}
		size = n
	}
	const trips, writers = 1000, 8
	svc := servicetest.Start(b, Spec, servicetest.WithoutConsumer(), servicetest.WithoutRelay(),
		servicetest.WithEnv("REVIEWS_DB_MAX_CONNS", "16"))
	ctx := context.Background()
	start := time.Now()
	_, err := svc.DB.Exec(ctx, `WITH w AS (SELECT $1::text[] AS words)
INSERT INTO reviews.reviews (review_id, reservation_id, guest_id, trip_id, rating, title, body, language, trip_date, status,
	created_at, updated_at, published_at)
SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'TRP-' || (i % $3), 1 + (i * 7919) % 5,
	words[1 + (i * 31) % 200] || ' ' || words[1 + (i * 17) % 200],
	(SELECT string_agg(x, ' ') FROM (SELECT words[1 + floor(random() * 200)::int] AS x FROM generate_series(1, 30 + (i % 3)) AS g(j)) AS s),
	'en', date '2025-01-01' + (i % 600)::int, 'published', now(), now(), now() - (i || ' seconds')::interval
FROM w, generate_series(1, $2::bigint) AS i`, benchWords, size, trips)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.DB.Exec(ctx, `INSERT INTO reviews.rating_aggregates SELECT 'TRIP', trip_id, count(*), sum(rating),
	count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2), count(*) FILTER (WHERE rating = 3),
	count(*) FILTER (WHERE rating = 4), count(*) FILTER (WHERE rating = 5), now() FROM reviews.reviews GROUP BY trip_id;
ANALYZE reviews.reviews; ANALYZE reviews.rating_aggregates`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d reviews generated and indexed in %s", size, time.Since(start).Round(time.Second))
	rnd := rand.New(rand.NewPCG(1, 2))

	b.ResetTimer()
	search := latencies(b, 300, func() *servicetest.Response {
		q := url.Values{"q": {benchWords[rnd.IntN(200)] + " " + benchWords[rnd.IntN(200)]},
			"trip_id": {fmt.Sprint("TRP-", rnd.IntN(trips))}, "min_rating": {"2"}}
		return svc.Call(CallerCatalog, "GET", "/v1/reviews?"+q.Encode(), nil)
	})
	rating := latencies(b, 1000, func() *servicetest.Response {
		return svc.Call(CallerCatalog, "GET", fmt.Sprint("/v1/ratings/trip/TRP-", rnd.IntN(trips)), nil)
	})

	// Submissions: reservations completed in the copy, so the gate needs no peer.
	const submits = 4000
	a := svc.State
	guests := make([]string, submits)
	for i := range guests {
		guests[i] = uuid.NewString()
	}
	if _, err := svc.DB.Exec(ctx, `INSERT INTO reviews.reservations SELECT gen_random_uuid(), g::uuid, 'TRP-' || (i % $2),
	NULL, 'COMPLETED', now(), 'event' FROM unnest($1::text[]) WITH ORDINALITY AS u(g, i)`, guests, trips); err != nil {
		b.Fatal(err)
	}
	reservationIDs := make([]string, submits)
	rows, err := svc.DB.Query(ctx, `SELECT reservation_id::text FROM reviews.reservations r JOIN unnest($1::uuid[]) WITH ORDINALITY AS u(g, i)
	ON r.guest_id = u.g ORDER BY u.i`, guests)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; rows.Next(); i++ {
		if err := rows.Scan(&reservationIDs[i]); err != nil {
			b.Fatal(err)
		}
	}
	rows.Close()
	var next atomic.Int64
	submitRate := throughput(writers, submits, func() error {
		i := next.Add(1)
		id := reservationIDs[i-1]
		g := fmt.Sprint("GDE-", i%50)
		gr := 1 + int(i%5)
		_, err := a.submit(ctx, guests[i-1], submission{ReservationID: id, GuideID: &g, GuideRating: &gr, Rating: 1 + int(i%5),
			Title: nil, Body: "A generated review of a generated trip, with enough words to index.", Language: "en"})
		return err
	})
	if _, err := svc.DB.Exec(ctx, `CREATE TABLE public.bench_commits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)`); err != nil {
		b.Fatal(err)
	}
	commitRate := throughput(writers, submits, func() error {
		_, err := svc.DB.Exec(ctx, `INSERT INTO public.bench_commits (note) VALUES ('x')`)
		return err
	})
	b.ReportMetric(percentile(search, 0.99), "search_p99_ms")
	b.ReportMetric(percentile(search, 0.50), "search_p50_ms")
	b.ReportMetric(percentile(rating, 0.99), "rating_p99_ms")
	b.ReportMetric(submitRate, "submits/s")
	b.ReportMetric(commitRate, "pg_commits/s")
	b.ReportMetric(0, "ns/op")
}

// latencies calls n times, failing on any answer but 200, and returns the durations.
func latencies(b *testing.B, n int, call func() *servicetest.Response) []time.Duration {
	b.Helper()
	out := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if resp := call(); resp.Status != http.StatusOK {
			b.Fatalf("%d %s", resp.Status, resp.Body)
		}
		out = append(out, time.Since(t0))
	}
	return out
}

// throughput runs do n times on workers goroutines and returns calls per second.
func throughput(workers, n int, do func() error) float64 {
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(n))
	var failed atomic.Value
	t0 := time.Now()
	for range workers {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := do(); err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		panic(err)
	}
	return float64(n) / time.Since(t0).Seconds()
}

func percentile(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[int(p*float64(len(s)-1))].Microseconds()) / 1000
}
