package outbox

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
)

// nameStore is just enough of a Store for config and metrics checks, which never call it.
type nameStore struct{ Store }

func (nameStore) Name() string { return "svc" }

func TestConfigDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	seed := []kgo.Opt{kgo.SeedBrokers("127.0.0.1:9092")}
	cl, err := kgo.NewClient(seed...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	d := Config{Store: nameStore{}, ClientOpts: seed}.withDefaults()
	if err := d.validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if d.BatchSize != DefaultBatchSize || d.PollInterval != DefaultPollInterval || d.LeaseRetry != DefaultLeaseRetry ||
		d.StatsInterval != DefaultStatsInterval || d.Logger == nil {
		t.Fatalf("defaults not applied: %+v", d)
	}

	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"no store":       {Config{ClientOpts: seed}, "Store is required"},
		"no client":      {Config{Store: nameStore{}}, "Client or ClientOpts is required"},
		"both clients":   {Config{Store: nameStore{}, Client: cl, ClientOpts: seed}, "not both"},
		"negative batch": {Config{Store: nameStore{}, Client: cl, BatchSize: -1}, "BatchSize"},
		"negative poll":  {Config{Store: nameStore{}, Client: cl, PollInterval: -time.Second}, "PollInterval"},
		"backoff order":  {Config{Store: nameStore{}, Client: cl, RetryBackoff: time.Minute, MaxRetryBackoff: time.Second}, "must not exceed"},
		"fence, client":  {Config{Store: nameStore{}, Client: cl, Fence: true}, "Fence needs ClientOpts"},
		"fence, none":    {Config{Store: nameStore{}, Fence: true}, "Fence needs ClientOpts"},
		"id, no fence":   {Config{Store: nameStore{}, ClientOpts: seed, TransactionalID: "x"}, "TransactionalID needs Fence"},
		// A fenced relay builds its producer only once it leads: a bad option must stop it here.
		"fence, bad opts": {Config{Store: nameStore{}, ClientOpts: append(seed, kgo.DisableIdempotentWrite()), Fence: true}, "idempotent"},
	} {
		_, err := NewRelay(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}

	unsafe, err := kgo.NewClient(append(seed, kgo.DisableIdempotentWrite())...)
	if err != nil {
		t.Fatal(err)
	}
	defer unsafe.Close()
	if _, err := NewRelay(Config{Store: nameStore{}, Client: unsafe}); err == nil || !strings.Contains(err.Error(), "idempotent") {
		t.Errorf("given client: non-idempotent producer accepted: %v", err)
	}
	r, err := NewRelay(Config{Store: nameStore{}, ClientOpts: append(seed, kgo.DisableIdempotentWrite())})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "idempotent") {
		t.Errorf("own client: non-idempotent producer accepted: %v", err)
	}
}

func TestRelaysShareARegistererAndSurviveARestart(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	seed := []kgo.Opt{kgo.SeedBrokers("127.0.0.1:9092")}
	for _, s := range []Store{nameStore{}, otherStore{}, nameStore{}} { // the third is a restart of the first
		if _, err := NewRelay(Config{Store: s, ClientOpts: seed, Metrics: reg}); err != nil {
			t.Fatalf("relay for %s: %v", s.Name(), err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "novatrek_outbox_leader" && len(mf.GetMetric()) != 2 {
			t.Fatalf("leader gauge has %d series, want one per outbox", len(mf.GetMetric()))
		}
	}
}

type otherStore struct{ Store }

func (otherStore) Name() string { return "other" }

func TestBackoffDoublesUpToTheCapWithJitter(t *testing.T) {
	t.Parallel()
	b := newBackoff(100*time.Millisecond, time.Second)
	for _, ceiling := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		ceiling *= time.Millisecond
		if d := b.Next(); d < ceiling/2 || d > ceiling {
			t.Fatalf("delay %v outside [%v, %v]", d, ceiling/2, ceiling)
		}
	}
	b.Reset()
	if d := b.Next(); d > 100*time.Millisecond {
		t.Fatalf("after Reset delay %v, want at most the minimum", d)
	}
}
