package notifications

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

// TestConformance runs the shared stream contract suite (duplicate, rollback, poison, panic,
// stored offsets) on the Spec's request subscription, bound as the runner binds it.
func TestConformance(t *testing.T) {
	env := providedEnv(t, nil)
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		kv = append(kv, k, env[k])
	}
	servicetest.Conformance(t, Spec, servicetest.Fixture{
		Input: intake.RequestTopic,
		Valid: func(i int) streamtest.Event {
			return conformanceRequest(fmt.Sprint("valid-", i), "guest@example.com")
		},
		// The second recipient's email breaks CHECK (char_length(address) <= 320) after the
		// first recipient's row and status event are written.
		Failing: func(i int) streamtest.Event {
			return conformanceRequest(fmt.Sprint("failing-", i), "ok@example.com", strings.Repeat("x", 330)+"@example.com")
		},
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT count(*) FROM notifications.intake_log WHERE event_id = $1`, eventID).Scan(&n)
			return n, err
		},
		Options: []servicetest.Option{servicetest.WithEnv(kv...)},
	})
}

// conformanceRequest is a booking confirmation by email to each address, as one request.
func conformanceRequest(name string, emails ...string) streamtest.Event {
	var to []schemas.Recipient
	for i, e := range emails {
		gid := fmt.Sprint("guest-", name, "-", i)
		to = append(to, schemas.Recipient{RecipientType: "GUEST", RecipientID: &gid, Email: &e})
	}
	r := &schemas.NotificationRequested{
		Metadata: schemas.EventMetadata{EventID: uuid.NewString(), EventType: "notification.requested",
			OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-reservations", CorrelationID: uuid.NewString()},
		RequestID: uuid.NewString(), Kind: "BOOKING_CONFIRMATION", ReferenceID: uuid.NewString(), Recipients: to,
		Channels: []string{"EMAIL"}, TemplateData: map[string]string{}, Urgency: "NORMAL", Attachments: []schemas.Attachment{},
	}
	return streamtest.Event{Key: r.ReferenceID, EventID: r.Metadata.EventID, Schema: r.Schema(), Value: r}
}

// providedEnv is vars plus what fakes.Provide sets for the Spec's clients (the fakes stop at
// the test's end). Nothing calls back in the tests that use it (no delivery worker), so the
// fakes get a public URL nobody serves unless vars names one.
func providedEnv(t *testing.T, vars map[string]string) map[string]string {
	t.Helper()
	env := map[string]string{"NOTIFICATIONS_PUBLIC_URL": "http://127.0.0.1:1"}
	maps.Copy(env, vars)
	set, err := fakes.Provide(t.Context(), []service.Definition{Spec}, func(k string) string { return env[k] }, nil,
		fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	maps.Copy(env, set.Env)
	return env
}
