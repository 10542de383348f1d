package notifications

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/openapitest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

func testToken(caller string) string { return caller + "-test-token-0123456789" }

// harness is the API on a fresh, migrated database, with fake providers whose keys sign
// the webhook requests the tests send.
type harness struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	fakes *providerfake.Stack
	srv   *httptest.Server
	env   *kafkatest.Env
	api   *api
	logs  *logtest.Buffer // everything the API logged
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewDB(t)
	logs := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := service.Migrate(ctx, pool, log, New()); err != nil {
		t.Fatal(err)
	}
	if err := intake.SeedDefaults(ctx, pool); err != nil {
		t.Fatal(err)
	}
	fakes, err := providerfake.NewStack(providerfake.StackConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fakes.Close)
	tokens := map[string]string{}
	for _, c := range append(devCallers, "svc-weather") { // the last is known but granted nothing
		tokens[c] = testToken(c)
	}
	auth, err := apiauth.New(tokens)
	if err != nil {
		t.Fatal(err)
	}
	env := kafkatest.New(t)
	a, err := newAPI(Config{Auth: auth}, pool, Providers{
		SendGridWebhookKey: fakes.SendGrid.PublicKey(), TwilioAuthToken: fakes.Twilio.AuthToken(),
	}, emitter(t, env), log)
	if err != nil {
		t.Fatal(err)
	}
	deps := service.Deps{Logger: log, Metrics: prometheus.NewRegistry(), HTTP: http.NewServeMux()}
	if err := a.register(deps.HTTP); err != nil {
		t.Fatal(err)
	}
	edge, err := service.APIHandler(New(), deps) // as dev and run serve it
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(openapitest.Wrap(t, openAPI, edge)) // every response checked against openapi.json
	t.Cleanup(srv.Close)
	a.callbacks.wait = 100 * time.Millisecond // callbacks in flight: answer 503 quickly
	return &harness{t: t, ctx: ctx, pool: pool, fakes: fakes, srv: srv, env: env, api: a, logs: logs}
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

// statusEvents decodes the delivery status events enqueued in the outbox for id.
func (h *harness) statusEvents(id uuid.UUID) []schemas.NotificationDeliveryStatusChanged {
	h.t.Helper()
	rows, err := h.pool.Query(h.ctx, `SELECT value FROM notifications.outbox WHERE topic = $1 AND key = $2 ORDER BY id`,
		intake.StatusTopic, []byte(id.String()))
	if err != nil {
		h.t.Fatal(err)
	}
	values, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		h.t.Fatal(err)
	}
	var out []schemas.NotificationDeliveryStatusChanged
	for _, v := range values {
		var ev schemas.NotificationDeliveryStatusChanged
		if err := h.env.Serde.Decode(h.ctx, v, ev.Schema(), &ev); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// emitter is the service's status Emitter on env's registry, as Run builds it.
func emitter(t testing.TB, env *kafkatest.Env) *intake.Emitter {
	t.Helper()
	emit, err := intake.NewEmitter(nil, env.Serde, nil)
	if err != nil {
		t.Fatal(err)
	}
	return emit
}
