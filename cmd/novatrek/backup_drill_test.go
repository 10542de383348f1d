package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
	"github.com/novatrek/support/processors/analytics"
	"github.com/novatrek/support/processors/notifications"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

// TestBackupRestoreDrill is issue 21's drill, run the way an operator runs it: two services
// as processes (runner.Run, as `novatrek run`) on one Kafka cluster — svc-notifications,
// whose consumer turns notification requests into notifications and publishes a delivery
// status event for each through its outbox (ids derived from the notification), and
// svc-analytics downstream, which turns those events into facts behind its inbox.
//
//  1. the first wave of requests is applied and its status events reach analytics;
//  2. `novatrek backup svc-notifications` dumps the schema;
//  3. a second wave arrives and is applied (Kafka keeps it): the gap;
//  4. the control checksums are taken of the store that never lost anything, then the store
//     is lost (its database dropped);
//  5. `novatrek restore svc-notifications` restores the dump into a fresh database and the
//     service starts on it: it resumes from the offsets stored in the dump, re-applies the
//     gap, and its outbox publishes the gap's status events again.
//
// The proof: the restored store's checksums (every table, arrival timestamps left out)
// equal the control's; the status topic holds the gap's events twice, and analytics,
// having read all of them, counts each notification once.
func TestBackupRestoreDrill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const wave1, gap = 40, 30
	kafka := kafkaWithTopics(t, 3)
	// Run's serde does not register schemas (the dev stack does at start).
	if _, err := kafka.Serde.ID(ctx, intake.StatusTopic, (&schemas.NotificationDeliveryStatusChanged{}).Schema()); err != nil {
		t.Fatal(err)
	}

	base := config.FromEnv()
	base.KafkaBrokers, base.SchemaRegistryURL = kafka.Brokers, kafka.RegistryURL
	base.ValkeyURL = valkeytest.URL(t, servicetest.ValkeyDB)
	// The drill is about the consumers and the outbox: the delivery worker (providers) and
	// analytics' maintenance and reconciliation loops are left out.
	notif, facts := *notifications.Spec, *analytics.Spec
	notif.Workers, facts.Workers = nil, nil
	getenv := providedEnv(t, &notif, &facts)

	notifURL, factsURL := pgtest.URL(t), pgtest.URL(t)
	stopNotif := startProcess(t, &notif, base, notifURL, getenv)
	startProcess(t, &facts, base, factsURL, getenv)
	notifDB, factsDB := openPool(t, notifURL), openPool(t, factsURL)

	producer := kafka.Client(t)
	requests := func(n int) {
		t.Helper()
		var recs []*kgo.Record
		for range n {
			req := notificationRequest()
			value, err := kafka.Serde.Encode(ctx, intake.RequestTopic, req.Schema(), req)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, &kgo.Record{Topic: intake.RequestTopic, Key: []byte(req.ReferenceID), Value: value})
		}
		if err := producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	settled := func(db *pgxpool.Pool, notified int) {
		t.Helper()
		awaitCount(t, db, notified, `SELECT count(*) FROM notifications.notifications`)
		awaitCount(t, db, 0, `SELECT count(*) FROM notifications.outbox`)
	}
	counted := func(want int) {
		t.Helper()
		awaitCount(t, factsDB, want, `SELECT count(*) FROM analytics.inbox WHERE topic = $1`, intake.StatusTopic)
	}

	requests(wave1)
	settled(notifDB, wave1)
	counted(wave1)

	dir := t.TempDir()
	out := runCLI(t, "backup", notifications.ServiceName, "--database-url", notifURL, "--dir", dir)
	if !strings.Contains(out, "schema notifications dumped to "+dir) || !strings.Contains(out, "keeping 30 days") {
		t.Fatalf("backup said %q", out)
	}

	requests(gap)
	settled(notifDB, wave1+gap)
	counted(wave1 + gap)
	control := checksums(t, notifDB, "notifications")

	// The store is lost: the service stops and its database is gone.
	stopNotif()
	notifDB.Close()
	dropDatabase(t, notifURL)

	restored := pgtest.URL(t)
	if out := runCLI(t, "restore", notifications.ServiceName, "--database-url", restored, "--dir", dir); !strings.Contains(out, "restored from") {
		t.Fatalf("restore said %q", out)
	}
	restoredDB := openPool(t, restored)
	if n := count(t, restoredDB, `SELECT count(*) FROM notifications.notifications`); n != wave1 {
		t.Fatalf("the dump holds %d notifications, want the first wave's %d", n, wave1)
	}
	startProcess(t, &notif, base, restored, getenv)
	settled(restoredDB, wave1+gap)

	// The outbox published the gap's status events a second time ...
	if n := topicRecords(t, kafka, intake.StatusTopic); n != wave1+2*gap {
		t.Errorf("%s holds %d records, want %d: the first wave once and the gap twice", intake.StatusTopic, n, wave1+2*gap)
	}
	// ... analytics read every one of them, and its inbox let each notification count once.
	awaitCount(t, factsDB, wave1+2*gap, `SELECT coalesce(sum(next_offset), 0) FROM analytics.consumer_offsets WHERE topic = $1`, intake.StatusTopic)
	if n, want := count(t, factsDB, `SELECT count(*) FROM analytics.inbox WHERE topic = $1`, intake.StatusTopic), wave1+gap; n != want {
		t.Errorf("analytics applied %d status events, want each of the %d once", n, want)
	}
	if n, distinct := count(t, factsDB, `SELECT count(*) FROM analytics.satisfaction_scores WHERE metric = 'notification_deliveries'`),
		count(t, factsDB, `SELECT count(DISTINCT reference_id) FROM analytics.satisfaction_scores WHERE metric = 'notification_deliveries'`); n != wave1+gap || distinct != n {
		t.Errorf("analytics holds %d delivery facts for %d notifications, want one for each of the %d", n, distinct, wave1+gap)
	}

	got := checksums(t, restoredDB, "notifications")
	for table, sum := range control {
		if got[table] != sum {
			t.Errorf("table notifications.%s differs from the store that never lost anything: %s, want %s", table, got[table], sum)
		}
	}
	if len(got) != len(control) {
		t.Errorf("restored store has %d tables, control %d", len(got), len(control))
	}
}

// notificationRequest is a booking confirmation by email to one guest.
func notificationRequest() *schemas.NotificationRequested {
	guest, email := "guest-"+uuid.NewString(), "guest@example.com"
	return &schemas.NotificationRequested{
		Metadata: schemas.EventMetadata{EventID: uuid.NewString(), EventType: "notification.requested",
			OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-reservations", CorrelationID: uuid.NewString()},
		RequestID: uuid.NewString(), Kind: "BOOKING_CONFIRMATION", ReferenceID: uuid.NewString(),
		Recipients: []schemas.Recipient{{RecipientType: "GUEST", RecipientID: &guest, Email: &email}},
		Channels:   []string{"EMAIL"}, TemplateData: map[string]string{}, Urgency: "NORMAL", Attachments: []schemas.Attachment{},
	}
}

// providedEnv is the services' environment: the third-party fakes their Specs declare, as
// the dev stack provides them (they stop at the test's end).
func providedEnv(t *testing.T, defs ...service.Definition) func(string) string {
	t.Helper()
	env := map[string]string{"NOTIFICATIONS_PUBLIC_URL": "http://127.0.0.1:1"}
	set, err := fakes.Provide(t.Context(), defs, func(k string) string { return env[k] }, nil,
		fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	maps.Copy(env, set.Env)
	return func(k string) string { return env[k] }
}

// startProcess runs def as `novatrek run` does on the database at dbURL until the returned
// stop (or the test's end).
func startProcess(t *testing.T, def service.Definition, base config.Config, dbURL string, getenv func(string) string) (stop func()) {
	t.Helper()
	return startProcessAt(t, def, base, dbURL, freeAddr(t), getenv)
}

// startProcessAt is startProcess serving its API on addr.
func startProcessAt(t *testing.T, def service.Definition, base config.Config, dbURL, addr string, getenv func(string) string) (stop func()) {
	t.Helper()
	cfg := base
	cfg.DatabaseURL, cfg.HTTPAddr, cfg.DataDir = dbURL, addr, t.TempDir()
	return inBackground(t, def.Describe().Name+": Run", func(ctx context.Context) error {
		return runner.Run(ctx, def, service.RunConfig{Config: cfg, Getenv: getenv, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
}

// inBackground runs run until the returned stop (or the test's end), which cancels its
// context and fails the test with what it returned, unless nil.
func inBackground(t *testing.T, what string, run func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s = %v", what, err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func openPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func count(t *testing.T, db *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// awaitCount waits until query counts want; an error counts as not yet (the process may
// not have migrated its schema).
func awaitCount(t *testing.T, db *pgxpool.Pool, want int, query string, args ...any) {
	t.Helper()
	last := -1
	streamtest.Eventually(t, fmt.Sprintf("%d from %s (last %d)", want, query, last), func() (bool, error) {
		err := db.QueryRow(context.Background(), query, args...).Scan(&last)
		return err == nil && last == want, nil
	})
}

// runCLI runs novatrek with args and returns what it printed.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("novatrek %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func dropDatabase(t *testing.T, url string) {
	t.Helper()
	admin := openPool(t, pgtest.AdminURL())
	name := filepath.Base(strings.SplitN(url, "?", 2)[0])
	if _, err := admin.Exec(context.Background(), `DROP DATABASE "`+name+`" WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
}

// topicRecords counts the records on topic (the sum of its partitions' end offsets).
func topicRecords(t *testing.T, kafka *kafkatest.Env, topic string) int64 {
	t.Helper()
	adm := kadm.NewClient(kafka.Client(t))
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// checksums is an md5 per table of schema over its rows in a stable order, leaving out the
// columns that record when a row was written rather than what it says (arrivalColumns).
func checksums(t *testing.T, db *pgxpool.Pool, schema string) map[string]string {
	t.Helper()
	return checksumsWithout(t, db, schema, arrivalColumns)
}

// checksumsWithout is an md5 per table of schema over its rows, the columns leftOut left out.
func checksumsWithout(t *testing.T, db *pgxpool.Pool, schema string, leftOut []string) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT c.table_name, string_agg(quote_ident(c.column_name), ', ' ORDER BY c.ordinal_position)
		FROM information_schema.columns c JOIN information_schema.tables tb USING (table_schema, table_name)
		WHERE c.table_schema = $1 AND tb.table_type = 'BASE TABLE' AND NOT c.column_name = ANY($2)
		GROUP BY c.table_name`, schema, leftOut)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]string{}
	for rows.Next() {
		var table, list string
		if err := rows.Scan(&table, &list); err != nil {
			t.Fatal(err)
		}
		cols[table] = list
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for table, list := range cols {
		var sum string
		q := fmt.Sprintf(`SELECT count(*) || ':' || coalesce(md5(string_agg(r::text, E'\n' ORDER BY r::text)), '')
			FROM (SELECT %s FROM %s.%s) r`, list, schema, table)
		if err := db.QueryRow(ctx, q).Scan(&sum); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		sums[table] = sum
	}
	return sums
}

// arrivalColumns say when a row was written, which a re-applied event changes.
var arrivalColumns = []string{"created_at", "updated_at", "handled_at", "applied_at"}
