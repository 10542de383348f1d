package delivery

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
	"github.com/novatrek/support/processors/notifications/template"
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
	emit, err := intake.NewEmitter(nil, env.Serde, nil)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := Config{
		Pool: pool, Valkey: vk, Emit: emit, StreamPrefix: prefix,
		Senders:   map[provider.Channel]provider.Sender{provider.Email: sg},
		Directory: StaticDirectory{},
	}
	migrateSchema(tb, pool)
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

// migrateSchema applies to pool what the delivery stage reads and writes: the intake's sets
// and the ones they build on, then this package's (Compose orders them by their After), and
// seeds the default templates.
func migrateSchema(tb testing.TB, pool *pgxpool.Pool) {
	tb.Helper()
	ctx := context.Background()
	sets, err := migrate.Compose(stream.Migrations(), pgoutbox.Migrations(), template.Migrations, preference.Migrations,
		intake.Migrations, contact.Migrations, Migrations)
	if err == nil {
		_, err = migrate.Apply(ctx, pool, intake.Schema, sets...)
	}
	if err == nil {
		err = intake.SeedDefaults(ctx, pool)
	}
	if err != nil {
		tb.Fatal(err)
	}
}
