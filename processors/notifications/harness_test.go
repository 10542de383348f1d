package notifications

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

func testToken(caller string) string { return servicetest.Token(caller) }

// harness is the API of the service started from its Spec (servicetest: a fresh, migrated
// and seeded database, the runner's wiring, the fake providers fakes.Provide starts, whose
// keys sign the webhook requests the tests send), without the consumer and the delivery
// worker. Every response is checked against openapi.json.
type harness struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	fakes *providerfake.Server
	srv   struct{ URL string }
	env   *kafkatest.Env
	api   *app
	logs  *logtest.Buffer // everything the service logged
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	logs := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tokens := map[string]string{}
	for _, c := range append(apiCallers(), "svc-weather") { // the last is known but granted nothing
		tokens[c] = testToken(c)
	}
	svc := servicetest.Start(t, Spec, servicetest.WithoutConsumer(), servicetest.WithoutWorkers("delivery"),
		servicetest.WithTokens(tokens), servicetest.WithLogger(log), servicetest.WithOpenAPICheck())
	h := &harness{t: t, ctx: context.Background(), pool: svc.DB, fakes: svc.Fakes.Providers(), env: svc.Kafka,
		api: svc.State, logs: logs}
	h.srv.URL = svc.URL
	h.api.callbacks.wait = 100 * time.Millisecond // callbacks in flight: answer 503 quickly
	return h
}

// apiCallers are the callers of the Spec's routes, each once.
func apiCallers() []string {
	var out []string
	for _, r := range Spec.Describe().Routes {
		for _, c := range r.Access.Callers {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// do sends a request as caller ("" for none) and returns the status and body.
func (h *harness) do(method, path, caller string, body any) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(h.ctx, method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if caller != "" {
		req.Header.Set("Authorization", "Bearer "+testToken(caller))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return h.send(req)
}

func (h *harness) send(req *http.Request) (int, []byte) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	if resp.StatusCode >= 400 && !problem.Is(resp.Header.Get("Content-Type")) {
		h.t.Errorf("%s %s: status %d without problem+json (%q)", req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, b
}

// notification inserts a notification row as the intake would, with status.
func (h *harness) notification(channel, status string) uuid.UUID {
	h.t.Helper()
	id := uuid.New()
	pgtest.Exec(h.t, h.pool, `INSERT INTO notifications.notifications
		(id, source_event_id, source_topic, kind, recipient, recipient_type, recipient_id, channel, category, locale,
		 template_name, priority, status)
		VALUES ($1, $2, $3, 'BOOKING_CONFIRMATION', 'GUEST:g-1', 'GUEST', 'g-1', $4, 'transactional', 'en',
		 'booking-confirmation', 'routine', $5)`, id, uuid.New(), intake.RequestTopic, channel, status)
	return id
}

// logEntry records a send of id's single recipient ("GUEST:g-1") as the delivery stage's
// record does: its delivery_log attempt and its delivery_members row.
func (h *harness) logEntry(id uuid.UUID, prov, pmid string) {
	h.t.Helper()
	h.memberSent(id, prov, "GUEST:g-1", pmid)
}

// memberSent records the accepted send of one member of id (attempt and member row).
func (h *harness) memberSent(id uuid.UUID, prov, member, pmid string) {
	h.t.Helper()
	pgtest.Exec(h.t, h.pool, `INSERT INTO notifications.delivery_log (notification_id, attempt, provider, status, provider_message_id)
		SELECT $1, count(*) + 1, $2, 'sent', $3 FROM notifications.delivery_log WHERE notification_id = $1`, id, prov, pmid)
	pgtest.Exec(h.t, h.pool, `INSERT INTO notifications.delivery_members (notification_id, member, provider_message_id)
		VALUES ($1, $2, $3)`, id, member, pmid)
}

func (h *harness) status(id uuid.UUID) (status string, logRows int) {
	h.t.Helper()
	if err := h.pool.QueryRow(h.ctx, `SELECT status, (SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1)
		FROM notifications.notifications WHERE id = $1`, id).Scan(&status, &logRows); err != nil {
		h.t.Fatal(err)
	}
	return status, logRows
}

func decodeJSON[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func wantStatus(t *testing.T, what string, got, want int, body []byte) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d: %s", what, got, want, body)
	}
}

// statusEvents decodes the delivery status events about id that reached Kafka, once the
// outbox relay has published everything enqueued so far (the outbox is empty).
func (h *harness) statusEvents(id uuid.UUID) []schemas.NotificationDeliveryStatusChanged {
	h.t.Helper()
	streamtest.Eventually(h.t, "outbox drained", func() (bool, error) {
		var n int
		err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM notifications.outbox`).Scan(&n)
		return n == 0, err
	})
	var out []schemas.NotificationDeliveryStatusChanged
	for _, r := range streamtest.ReadTopic(h.t, h.env, intake.StatusTopic) {
		if string(r.Key) != id.String() {
			continue
		}
		var ev schemas.NotificationDeliveryStatusChanged
		if err := h.env.Serde.Decode(h.ctx, r.Value, ev.Schema(), &ev); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}
