package stream_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/registry"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

// Replay benchmarks. Sizes come from the environment so `make bench` can run the full
// replay while a plain `go test -bench .` stays quick:
//
//	STREAM_BENCH_EVENTS        events replayed by BenchmarkReplay and inserted by
//	                           BenchmarkRawInsert (default 20000; the target run uses 1000000)
//	STREAM_BENCH_NAIVE_EVENTS  events replayed by BenchmarkReplayPerEvent (default 2000)
//	STREAM_BENCH_BATCH         MaxBatchRecords of BenchmarkReplay and the batch size of
//	                           BenchmarkRawInsert (default stream.DefaultMaxBatchRecords)
//
// Run one at a time with -benchtime=1x: each reports events/s and the process's peak RSS
// (peak-rss-MiB). Kafka and the registry run in a child process (this test binary re-run
// with benchClusterEnv set), so the peak RSS is the processor's own, not the in-memory
// broker's copy of the topic.
const (
	benchClusterEnv = "STREAM_BENCH_CLUSTER_CHILD"
	benchTopic      = testproc.CreatedTopic
	benchPartitions = 6
)

func TestMain(m *testing.M) {
	if os.Getenv(benchClusterEnv) != "" {
		if err := serveBenchCluster(); err != nil {
			fmt.Fprintln(os.Stderr, "bench cluster:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// serveBenchCluster is the child process: a kfake broker and a registry with the events
// pre-produced; it prints "READY <broker> <registry>" and serves until stdin closes.
func serveBenchCluster() error {
	n, _ := strconv.Atoi(os.Getenv(benchClusterEnv))
	brokers, closeBroker, err := benchBroker()
	if err != nil {
		return err
	}
	defer closeBroker()
	r, err := registry.New(registry.Config{DefaultCompatibility: compat.BackwardTransitive})
	if err != nil {
		return err
	}
	reg := httptest.NewServer(r.Handler())
	defer reg.Close()
	rc, err := sr.NewClient(sr.URLs(reg.URL))
	if err != nil {
		return err
	}
	sd := serde.New(rc, serde.AutoRegister())
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerLinger(5*time.Millisecond),
		kgo.MaxBufferedRecords(100_000))
	if err != nil {
		return err
	}
	defer cl.Close()
	g := testproc.Producer{Seed: "replay", Reservations: n}
	if err := g.ProduceCreated(context.Background(), cl, sd, 0, n); err != nil {
		return err
	}
	fmt.Printf("READY %s %s\n", brokers[0], reg.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// benchBroker is a kfake broker with the topic, or with NOVATREK_TEST_KAFKA=real (`make
// bench-real`) the Apache Kafka broker at KAFKA_BROKERS with the topic created there and
// deleted on close. The real broker is not leased (kafkatest's lease is for tests): `make
// bench-real` starts a broker of its own.
func benchBroker() (brokers []string, closeBroker func(), err error) {
	real, err := kafkatest.Real()
	if err != nil {
		return nil, nil, err
	}
	if !real {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(benchPartitions, benchTopic))
		if err != nil {
			return nil, nil, err
		}
		return c.ListenAddrs(), c.Close, nil
	}
	brokers = strings.Split(os.Getenv("KAFKA_BROKERS"), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, nil, err
	}
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The previous benchmark's child deleted the topic; the deletion may still be under way.
	for {
		resp, err := adm.CreateTopic(ctx, benchPartitions, 1, nil, benchTopic)
		if err == nil {
			err = resp.Err
		}
		if err == nil {
			break
		}
		if !errors.Is(err, kerr.TopicAlreadyExists) || ctx.Err() != nil {
			cl.Close()
			return nil, nil, fmt.Errorf("create %s on %v: %w", benchTopic, brokers, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return brokers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adm.DeleteTopic(ctx, benchTopic); err != nil {
			fmt.Fprintf(os.Stderr, "bench cluster: delete %s: %v\n", benchTopic, err)
		}
		cl.Close()
	}, nil
}

// benchCluster starts the child process with n events produced and returns its broker
// and registry addresses and its pid.
func benchCluster(b *testing.B, n int) (broker, registry string, pid int) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), benchClusterEnv+"="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("bench cluster did not start: %v", err)
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "READY" {
		b.Fatalf("bench cluster said %q", line)
	}
	return f[1], f[2], cmd.Process.Pid
}

// replaySQL is the projection the replay writes: one row per reservation, upserted for
// the whole batch in one statement.
const replayTable = `CREATE TABLE replay_reservations (
	reservation_id uuid PRIMARY KEY,
	guest_id       uuid        NOT NULL,
	trip_id        text        NOT NULL,
	departure_date date        NOT NULL,
	party_size     integer     NOT NULL,
	status         text        NOT NULL,
	total_price    numeric(18,4) NOT NULL,
	currency       text        NOT NULL,
	occurred_at    timestamptz NOT NULL
)`

var replayColumns = []string{"reservation_id", "guest_id", "trip_id", "departure_date", "party_size", "status", "total_price", "currency", "occurred_at"}

const replayUpsert = `INSERT INTO bench.replay_reservations AS r
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::date[], $5::int[], $6::text[], $7::numeric[], $8::text[], $9::timestamptz[])
ON CONFLICT (reservation_id) DO UPDATE SET status = EXCLUDED.status, occurred_at = EXCLUDED.occurred_at`

// replayRows holds one batch's columns, reused across batches.
type replayRows struct {
	ids, guests, trips, statuses, prices, currencies []string
	dates, occurred                                  []time.Time
	sizes                                            []int32
}

func (r *replayRows) reset() {
	r.ids, r.guests, r.trips, r.statuses = r.ids[:0], r.guests[:0], r.trips[:0], r.statuses[:0]
	r.prices, r.currencies, r.dates, r.occurred, r.sizes = r.prices[:0], r.currencies[:0], r.dates[:0], r.occurred[:0], r.sizes[:0]
}

func (r *replayRows) add(v *schemas.ReservationCreated) {
	r.ids = append(r.ids, v.ReservationID)
	r.guests = append(r.guests, v.GuestID)
	r.trips = append(r.trips, v.TripID)
	r.dates = append(r.dates, v.DepartureDate)
	r.sizes = append(r.sizes, int32(v.PartySize))
	r.statuses = append(r.statuses, v.Status)
	r.prices = append(r.prices, v.TotalPrice.Amount.FloatString(4))
	r.currencies = append(r.currencies, v.TotalPrice.Currency)
	r.occurred = append(r.occurred, v.Metadata.OccurredAt)
}

func (r *replayRows) exec(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, replayUpsert, r.ids, r.guests, r.trips, r.dates, r.sizes, r.statuses, r.prices, r.currencies, r.occurred)
	return err
}

// numeric4 is r (a decimal(18,4) from Avro) as a numeric with four decimal places.
func numeric4(r *big.Rat) pgtype.Numeric {
	scaled := new(big.Int).Mul(r.Num(), big.NewInt(10_000))
	return pgtype.Numeric{Int: scaled.Quo(scaled, r.Denom()), Exp: -4, Valid: true}
}

func benchDB(b *testing.B) *pgxpool.Pool {
	b.Helper()
	pool := pgtest.NewDB(b)
	ctx := context.Background()
	if _, err := migrate.Apply(ctx, pool, "bench", stream.Migrations()); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `SET search_path TO bench; `+replayTable); err != nil {
		b.Fatal(err)
	}
	return pool
}

// BenchmarkReplay replays pre-produced created events through the runtime into a table,
// with the inbox deduplicating every event id: batches of up to 500 records per
// transaction, one unnest upsert per batch.
func BenchmarkReplay(b *testing.B) {
	benchReplay(b, benchSize("STREAM_BENCH_EVENTS", 20_000), routeBatch, benchSize("STREAM_BENCH_BATCH", stream.DefaultMaxBatchRecords))
}

// BenchmarkReplayCopy is BenchmarkReplay with the projection as a CopyBatch route: each
// batch's inbox rows and projection rows COPYed.
func BenchmarkReplayCopy(b *testing.B) {
	benchReplay(b, benchSize("STREAM_BENCH_EVENTS", 20_000), routeCopy, benchSize("STREAM_BENCH_BATCH", stream.DefaultMaxBatchRecords))
}

// BenchmarkReplayPerEvent is the naive processor for comparison: one transaction, one
// inbox insert and one upsert per event.
func BenchmarkReplayPerEvent(b *testing.B) {
	benchReplay(b, benchSize("STREAM_BENCH_NAIVE_EVENTS", 2_000), routeEvent, 1)
}

// routeKind is how a replay benchmark's route writes the projection.
type routeKind int

const (
	routeBatch routeKind = iota // HandleBatch, one unnest upsert per batch
	routeCopy                   // CopyBatch
	routeEvent                  // Handle, one upsert per event
)

func benchReplay(b *testing.B, n int, kind routeKind, maxBatch int) {
	broker, registry, brokerPID := benchCluster(b, n)
	pool := benchDB(b)
	rc, err := sr.NewClient(sr.URLs(registry))
	if err != nil {
		b.Fatal(err)
	}
	sd := serde.New(rc)

	var route stream.Route
	switch kind {
	case routeCopy:
		into := stream.Projection{Table: pgx.Identifier{"bench", "replay_reservations"}, Columns: replayColumns,
			OnConflict: `(reservation_id) DO UPDATE SET status = EXCLUDED.status, occurred_at = EXCLUDED.occurred_at`}
		route = stream.CopyBatch(benchTopic, into, func(ev *stream.Event[schemas.ReservationCreated]) ([]any, error) {
			// Values in the columns' binary types: pgx's COPY is binary only, and a string (or
			// a uuid.UUID, a driver.Valuer giving one) for a uuid or numeric column is
			// encoded by failing first, then parsing it.
			v := &ev.Value
			return []any{[16]byte(uuid.MustParse(v.ReservationID)), [16]byte(uuid.MustParse(v.GuestID)), v.TripID, v.DepartureDate,
				int32(v.PartySize), v.Status, numeric4(v.TotalPrice.Amount), v.TotalPrice.Currency, v.Metadata.OccurredAt}, nil
		})
	case routeBatch:
		// One worker per partition calls the handler; each keeps its own rows.
		rows := make(chan *replayRows, benchPartitions)
		for range benchPartitions {
			rows <- &replayRows{}
		}
		route = stream.HandleBatch(benchTopic, func(ctx context.Context, tx pgx.Tx, evs []stream.Event[schemas.ReservationCreated]) error {
			r := <-rows
			defer func() { rows <- r }()
			r.reset()
			for i := range evs {
				r.add(&evs[i].Value)
			}
			return r.exec(ctx, tx)
		})
	case routeEvent:
		route = stream.Handle(benchTopic, func(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationCreated]) error {
			var r replayRows
			r.add(&ev.Value)
			return r.exec(ctx, tx)
		})
	}

	runtime.GC()
	resetPeakRSS()
	b.ResetTimer()
	for i := range b.N {
		group := fmt.Sprintf("bench-replay-%d", i)
		reg := prometheus.NewRegistry()
		p, err := stream.New(stream.Config{
			Group: group, Brokers: []string{broker}, Pool: pool, Schema: "bench",
			Routes: []stream.Route{route}, Serde: sd, MaxBatchRecords: maxBatch, Metrics: reg,
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		if err != nil {
			b.Fatal(err)
		}
		cpu := startCPU(b, pool, brokerPID)
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		for {
			var handled int64
			if err := pool.QueryRow(context.Background(), `SELECT coalesce(sum(next_offset), 0) FROM bench.consumer_offsets WHERE consumer_group = $1`, group).Scan(&handled); err != nil {
				b.Fatal(err)
			}
			if handled >= int64(n) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		elapsed := time.Since(start)
		cpu.report(b, n)
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
		// Records per transaction: the fewer, the more each event pays of a transaction's
		// fixed cost (begin, the offset row, commit).
		b.ReportMetric(float64(n)/metric(b, reg, "novatrek_stream_batch_records", nil), "events/batch")

		b.StopTimer()
		if _, err := pool.Exec(context.Background(), `TRUNCATE bench.replay_reservations`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(peakRSSMiB(), "peak-rss-MiB")
}

// BenchmarkRawInsert is the store's limit for the same rows: the projection's upsert in
// batches of 500 on 4 connections (as many as the runtime's pool), no Kafka, no decoding,
// no inbox.
func BenchmarkRawInsert(b *testing.B) {
	n := benchSize("STREAM_BENCH_EVENTS", 20_000)
	pool := benchDB(b)
	g := testproc.Producer{Seed: "replay", Reservations: n}
	batch := benchSize("STREAM_BENCH_BATCH", stream.DefaultMaxBatchRecords)
	const conns = 4
	batches := make([]*replayRows, 0, n/batch+1)
	for lo := 0; lo < n; lo += batch {
		r := &replayRows{}
		for i := lo; i < min(lo+batch, n); i++ {
			r.add(g.Created(i))
		}
		batches = append(batches, r)
	}
	b.ResetTimer()
	for range b.N {
		cpu := startCPU(b, pool, 0)
		start := time.Now()
		work := make(chan *replayRows)
		errs := make(chan error, conns)
		for range conns {
			go func() {
				var err error
				for r := range work {
					if err == nil {
						err = pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error { return r.exec(context.Background(), tx) })
					}
				}
				errs <- err
			}()
		}
		for _, r := range batches {
			work <- r
		}
		close(work)
		for range conns {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
		cpu.report(b, n)
		b.StopTimer()
		if _, err := pool.Exec(context.Background(), `TRUNCATE bench.replay_reservations`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// resetPeakRSS restarts the kernel's high-water mark of this process's resident memory
// (Linux clear_refs "5"), so each benchmark reports its own peak rather than the largest of
// every benchmark run before it in the same binary.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSSMiB is the resident-memory high-water mark (VmHWM) since the last resetPeakRSS,
// falling back to getrusage's lifetime maximum where /proc is not available.
func peakRSSMiB() float64 {
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
				if kib, err := strconv.ParseFloat(f[1], 64); err == nil {
					return kib / 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}
