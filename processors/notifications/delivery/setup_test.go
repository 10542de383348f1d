package delivery

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/novatrek/support/internal/fakes/providerfake"
	"github.com/novatrek/support/internal/kafkatest"
	"github.com/novatrek/support/internal/pgtest"
	"github.com/novatrek/support/internal/valkeytest"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

// emailSetup is what the tests' rig and the benchmarks' rig share: a migrated database,
// Valkey database valkeyDB (keys under prefix cleared), a SendGrid fake behind the real
// client, and a Config wired to them with everything else at its default.
func emailSetup(tb testing.TB, valkeyDB int, prefix string) (Config, *providerfake.SendGrid, *kafkatest.Env) {
	tb.Helper()
	vk := valkeytest.Client(tb, valkeyDB, StreamsFor(prefix).Keys()...)
	pool := pgtest.NewDB(tb)
	fake, err := providerfake.NewSendGrid(providerfake.SendGridConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	tb.Cleanup(srv.Close)
	tb.Cleanup(fake.Close)
	sg, err := sendgrid.New(sendgrid.Config{BaseURL: srv.URL, APIKey: provider.NewSecret("SG.test"),
		From: "trips@novatrek.example", Timeout: 5 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	env := kafkatest.New(tb)
	cfg := Config{
		Pool: pool, Valkey: vk, Encoder: env.Serde, StreamPrefix: prefix,
		Senders:   map[provider.Channel]provider.Sender{provider.Email: sg},
		Directory: StaticDirectory{},
	}
	if err := Migrate(context.Background(), cfg); err != nil {
		tb.Fatal(err)
	}
	return cfg, fake, env
}

// startDelivery runs a Delivery with cfg until the test or benchmark ends and returns it.
func startDelivery(tb testing.TB, cfg Config) *Delivery {
	tb.Helper()
	d, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	return d
}
