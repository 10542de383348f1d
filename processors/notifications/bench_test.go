package notifications

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/provider"
)

// benchChannels are the channels the delivery benchmark's rows use, in turn.
var benchChannels = []provider.Channel{provider.Email, provider.SMS, provider.Push}

// BenchmarkDeliveryPath drives NOTIFICATIONS_BENCH_ROWS (default 3,000) pending
// notifications through the service's whole delivery path, as the soak's 20x day does:
// the Spec started by servicetest (real PostgreSQL and Valkey, kfake, the SendGrid, Twilio
// and FCM fakes calling the service's webhooks back), rows of people known by id (email,
// SMS and push in turn, the address looked up in contacts and devices), dispatcher →
// Valkey lane → worker → provider → record and status event → outbox relay → Kafka. It ends
// when every row is sent or delivered and the outbox is empty.
//
// The baseline, in the same run and on the same database, fakes and senders, is the loop
// a team writes by hand: as many goroutines as the service has routine workers, each
// claiming one row of a copy of the table (FOR UPDATE SKIP LOCKED, joined to its contact),
// calling the provider through the same Sender and marking the row sent: no lane, no
// lease, no delivery log, no status event. Both report deliveries/s and the CPU each
// delivery cost in this process (the service, the fakes and kfake) and in the database's
// backends; CPU per delivery holds far stiller than the rate on a loaded machine.
func BenchmarkDeliveryPath(b *testing.B) {
	rows := 3000
	if v := os.Getenv("NOTIFICATIONS_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < len(benchChannels) {
			b.Fatalf("NOTIFICATIONS_BENCH_ROWS=%q: want an integer of at least %d", v, len(benchChannels))
		}
		rows = n
	}
	for b.Loop() {
		b.StopTimer()
		svc := servicetest.Start(b, Spec, servicetest.WithoutConsumer())
		r := &deliveryBench{b: b, ctx: context.Background(), pool: svc.DB, app: svc.State}
		r.people(rows)
		fakes := svc.Fakes.Providers()

		// The hand loop first, while the service's stage has nothing to do.
		r.copyTable()
		r.insert("notifications.bench_baseline", rows)
		fakes.SendGrid.SetEventWebhook("") // the baseline's messages are no rows of the service's
		cpu := r.startCPU()
		start := time.Now()
		r.handLoop(delivery.DefaultRoutineWorkers)
		elapsed := time.Since(start)
		base := cpu.per(rows)
		fakes.SendGrid.SetEventWebhook(svc.URL + "/v1/webhooks/sendgrid")
		if n := r.count(`SELECT count(*) FROM notifications.bench_baseline WHERE status = 'sent'`); n != rows {
			b.Fatalf("hand loop: %d of %d rows sent", n, rows)
		}
		b.ReportMetric(float64(rows)/elapsed.Seconds(), "baseline-deliveries/s")
		base.report(b, "baseline-")

		// The service's delivery path.
		before := acceptedTotal(fakes.SendGrid, fakes.Twilio, fakes.FCM)
		cpu = r.startCPU()
		b.StartTimer()
		start = time.Now()
		ids := r.insert("notifications.notifications", rows)
		r.await(rows)
		elapsed = time.Since(start)
		b.StopTimer()
		got := cpu.per(rows)
		if n := acceptedTotal(fakes.SendGrid, fakes.Twilio, fakes.FCM) - before; n != rows {
			b.Fatalf("the providers accepted %d messages for %d rows", n, rows)
		}
		for _, f := range []interface{ Duplicates() []string }{fakes.SendGrid, fakes.Twilio, fakes.FCM} {
			if d := f.Duplicates(); len(d) > 0 {
				b.Fatalf("%d messages delivered more than once, e.g. %s", len(d), d[0])
			}
		}
		if n := r.count(`SELECT count(DISTINCT notification_id) FROM notifications.delivery_log WHERE notification_id = ANY($1::uuid[])`, ids); n != rows {
			b.Fatalf("%d of %d rows have their attempt logged", n, rows)
		}
		b.ReportMetric(float64(rows)/elapsed.Seconds(), "deliveries/s")
		got.report(b, "")
		b.ReportMetric(got.total()/base.total(), "cpu-ratio-to-baseline")
		b.StartTimer()
	}
}

// deliveryBench is BenchmarkDeliveryPath's rig on one started service.
type deliveryBench struct {
	b    *testing.B
	ctx  context.Context
	pool *pgxpool.Pool
	app  *app
}

// people registers n guests g-0 … g-(n-1) with an email address, a phone and a device.
func (r *deliveryBench) people(n int) {
	r.b.Helper()
	if _, err := r.pool.Exec(r.ctx, `INSERT INTO notifications.contacts (recipient_type, recipient_id, name, email, phone, updated_at)
		SELECT 'GUEST', 'g-' || i, 'Guest ' || i, 'g' || i || '@example.com', '+1415555' || lpad(i::text, 4, '0'), now()
		FROM generate_series(0, $1 - 1) AS i`, n); err != nil {
		r.b.Fatal(err)
	}
	if _, err := r.pool.Exec(r.ctx, `INSERT INTO notifications.devices (token, recipient_type, recipient_id, platform, registered_by)
		SELECT 'device-token-' || i, 'GUEST', 'g-' || i, 'android', 'guest-app' FROM generate_series(0, $1 - 1) AS i`, n); err != nil {
		r.b.Fatal(err)
	}
}

// copyTable makes notifications.bench_baseline, the hand loop's copy of the rows' table.
func (r *deliveryBench) copyTable() {
	r.b.Helper()
	if _, err := r.pool.Exec(r.ctx, `CREATE TABLE notifications.bench_baseline
		(LIKE notifications.notifications INCLUDING DEFAULTS INCLUDING INDEXES)`); err != nil {
		r.b.Fatal(err)
	}
}

// insert adds n pending routine rows to table, guest g-i on benchChannels[i % 3], no
// address on the row (the stage looks it up, as for a person the intake knows by id), in
// one statement, and returns their ids.
func (r *deliveryBench) insert(table string, n int) []string {
	r.b.Helper()
	ids, channels := make([]string, n), make([]string, n)
	for i := range n {
		ids[i], channels[i] = uuid.NewString(), string(benchChannels[i%len(benchChannels)])
	}
	if _, err := r.pool.Exec(r.ctx, `INSERT INTO `+table+` (id, source_event_id,
		source_topic, kind, recipient, recipient_type, recipient_id, channel, category, locale,
		template_name, subject, body, priority, status)
		SELECT id, $2, 't', 'BOOKING_CONFIRMATION', 'GUEST:g-' || (o - 1), 'GUEST', 'g-' || (o - 1), ch, 'transactional', 'en',
			'booking', 'Your trip', 'See you at the trailhead.', 'routine', 'pending'
		FROM unnest($1::uuid[], $3::text[]) WITH ORDINALITY AS u(id, ch, o)`, ids, uuid.NewString(), channels); err != nil {
		r.b.Fatal(err)
	}
	return ids
}

// handLoop is the baseline: workers goroutines claiming, sending and marking rows of the
// copy until none is pending.
func (r *deliveryBench) handLoop(workers int) {
	r.b.Helper()
	senders := r.app.delivery.Senders
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				more, err := r.handOne(senders)
				if err != nil {
					errs <- err
					return
				}
				if !more {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		r.b.Fatal(err)
	}
}

// handOne claims one pending row of the copy, sends it and marks it sent in one
// transaction; false when none was left.
func (r *deliveryBench) handOne(senders map[provider.Channel]provider.Sender) (bool, error) {
	tx, err := r.pool.Begin(r.ctx)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback(r.ctx) }()
	var id, channel, subject, body string
	var to *string
	err = tx.QueryRow(r.ctx, `SELECT n.id::text, n.channel, n.subject, n.body,
			CASE n.channel WHEN 'email' THEN c.email WHEN 'sms' THEN c.phone
				ELSE (SELECT d.token FROM notifications.devices d WHERE d.recipient_type = n.recipient_type
					AND d.recipient_id = n.recipient_id ORDER BY d.updated_at DESC LIMIT 1) END
		FROM notifications.bench_baseline n
		LEFT JOIN notifications.contacts c ON c.recipient_type = n.recipient_type AND c.recipient_id = n.recipient_id
		WHERE n.status = 'pending' LIMIT 1 FOR UPDATE OF n SKIP LOCKED`).Scan(&id, &channel, &subject, &body, &to)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if to == nil {
		return false, fmt.Errorf("hand loop: no address for %s on %s", id, channel)
	}
	if _, err := senders[provider.Channel(channel)].Send(r.ctx, provider.Message{ID: id, To: *to, Subject: subject, Body: body}); err != nil {
		return false, fmt.Errorf("hand loop: send %s: %w", id, err)
	}
	if _, err := tx.Exec(r.ctx, `UPDATE notifications.bench_baseline SET status = 'sent', updated_at = now() WHERE id = $1`, id); err != nil {
		return false, err
	}
	return true, tx.Commit(r.ctx)
}

// await polls until n rows are sent or delivered and the outbox is empty (the status
// events are on Kafka); the limit only guards against a hang.
func (r *deliveryBench) await(n int) {
	r.b.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		done := r.count(`SELECT count(*) FROM notifications.notifications WHERE status IN ('sent', 'delivered')`)
		if done == n && r.count(`SELECT count(*) FROM notifications.outbox`) == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.b.Fatalf("after 10 minutes %d of %d rows sent", done, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *deliveryBench) count(query string, args ...any) int {
	r.b.Helper()
	var n int
	if err := r.pool.QueryRow(r.ctx, query, args...).Scan(&n); err != nil {
		r.b.Fatal(err)
	}
	return n
}

// benchCPU is the CPU used since it started: this process's and the database's backends'.
type benchCPU struct {
	r            *deliveryBench
	self, server time.Duration
}

func (r *deliveryBench) startCPU() *benchCPU {
	return &benchCPU{r: r, self: cpustat.Process(), server: r.backends()}
}

func (r *deliveryBench) backends() time.Duration {
	r.b.Helper()
	d, err := cpustat.Backends(r.ctx, r.pool)
	if err != nil {
		r.b.Fatal(err)
	}
	return d
}

// cpuPer is CPU microseconds per delivery.
type cpuPer struct{ process, postgres float64 }

// per is the CPU since start divided over n deliveries. Read it while the service runs:
// a backend that disconnected is no longer counted.
func (c *benchCPU) per(n int) cpuPer {
	server, self := c.r.backends()-c.server, cpustat.Process()-c.self
	return cpuPer{process: float64(self.Microseconds()) / float64(n), postgres: float64(server.Microseconds()) / float64(n)}
}

func (c cpuPer) total() float64 { return c.process + c.postgres }

func (c cpuPer) report(b *testing.B, prefix string) {
	b.ReportMetric(c.process, prefix+"cpu-µs/delivery-go")
	b.ReportMetric(c.postgres, prefix+"cpu-µs/delivery-postgres")
	b.ReportMetric(c.total(), prefix+"cpu-µs/delivery-total")
}

// acceptedTotal sums the messages the fakes accepted.
func acceptedTotal(fakes ...interface{ AcceptedTotal() int }) int {
	n := 0
	for _, f := range fakes {
		n += f.AcceptedTotal()
	}
	return n
}
