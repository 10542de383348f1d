package delivery

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/testkit/valkeytest"
)

// errKilled is what the hook of a killed worker returns; nothing of that worker runs after it.
var errKilled = errors.New("worker killed")

// doomedWorker is a Delivery with its own database pool and Valkey client, as a separate
// process would have, that the test kills.
type doomedWorker struct {
	t      *testing.T
	pool   *pgxpool.Pool
	vk     valkey.Client
	cancel context.CancelFunc
	done   chan error
	// reached closes when a job arrives at the hooked stage; killed releases the hook.
	reached, killed chan struct{}
}

// startDoomed runs a worker over r's database and streams that stops at stage ("" : no
// hook) until killed.
func startDoomed(t *testing.T, r *rig, cfg Config, stage string) *doomedWorker {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), r.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	opt, err := valkey.ParseURL(valkeytest.URL(t, rigValkeyDB))
	if err != nil {
		t.Fatal(err)
	}
	opt.DisableCache = true
	vk, err := valkey.NewClient(opt)
	if err != nil {
		t.Fatal(err)
	}
	w := &doomedWorker{t: t, pool: pool, vk: vk, done: make(chan error, 1), reached: make(chan struct{}),
		killed: make(chan struct{})}
	cfg.Pool, cfg.Valkey = pool, vk
	cfg.EmergencyWorkers, cfg.RoutineWorkers = 1, 1
	if stage != "" {
		var once bool
		cfg.hook = func(ctx context.Context, at string) error {
			if at != stage || once {
				return nil
			}
			once = true // one job reaches the hook: the test inserts one row
			close(w.reached)
			<-w.killed
			return errKilled
		}
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() { w.done <- d.Run(ctx) }()
	return w
}

// kill takes the worker's database and Valkey away, then cancels it and releases its
// hook: whatever it does after that reaches neither the database, nor Valkey, nor (the
// stages come before the call) the provider; a call in flight is cancelled.
func (w *doomedWorker) kill() {
	w.t.Helper()
	go w.pool.Close() // blocks until the dispatcher's LISTEN connection is returned
	deadline := time.Now().Add(failAfter)
	for w.pool.Ping(context.Background()) == nil {
		if time.Now().After(deadline) {
			w.t.Fatal("the doomed worker's pool does not close")
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.vk.Close()
	w.cancel()
	close(w.killed)
	select {
	case <-w.done:
	case <-time.After(failAfter):
		w.t.Fatal("the killed worker did not stop")
	}
}

// TestWorkerDeathIsDeliveredExactlyOnce kills a worker at each point before the provider
// accepts: after it took the job and before the lease; after the lease and before the
// call; while the call is in flight and not accepted (the fake hangs; the call dies with
// the worker). Another worker takes the job over (after ClaimMinIdle, and when the row is
// leased, once the lease ends) and the provider accepts the message exactly once, with one
// sent attempt and one status event. Once the provider has accepted, a death before the
// record is at least once: see the package doc.
func TestWorkerDeathIsDeliveredExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, stage string
		hang        bool
		leased      bool
	}{
		{name: "after taking the job, before the lease", stage: stageTaken},
		{name: "after the lease, before the provider call", stage: stageLeased, leased: true},
		{name: "provider call in flight, not accepted", hang: true, leased: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			cfg := r.cfg
			cfg.HandlerTimeout = 1500 * time.Millisecond // the lease: 3.5s
			ids := r.insert(1, "routine")
			if tc.hang {
				r.fake.Hang(true)
			}
			w := startDoomed(t, r, cfg, tc.stage)
			if tc.hang {
				r.eventually("the provider call is in flight", func() bool { return r.fake.Held() == 1 })
			} else {
				select {
				case <-w.reached:
				case <-time.After(failAfter):
					t.Fatal("the job did not reach the worker")
				}
			}
			if got := r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE id = $1
				AND lease_until > now()`, ids[0]); (got == 1) != tc.leased {
				t.Fatalf("leased rows when the worker dies: %d, want leased=%v", got, tc.leased)
			}
			w.kill()
			// The held call fails: the fake sees the client leave. Only then end the hang, so
			// that it cannot release the dead worker's request into an acceptance.
			r.eventually("the dead worker's call has left the provider", func() bool { return r.fake.Held() == 0 })
			r.fake.Heal()
			if got := r.fake.AcceptedTotal(); got != 0 {
				t.Fatalf("the provider accepted %d messages before the takeover", got)
			}
			r.run(cfg)
			r.allSent(1)
		})
	}
}
