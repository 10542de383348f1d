package fakes_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/schemas"
)

// TestProvideServesTheStandIns: without a running stand-in, clients of another domain's
// service get the in-memory stand-ins' URL under that service's prefix, one stack for
// both (an Optional client too), answering from what the test put into Set.StandIns (404
// for anything else).
func TestProvideServesTheStandIns(t *testing.T) {
	res := service.Client{Name: "reservations", URLEnv: "T_RES_URL", StandIn: "svc-reservations"}
	guests := service.Client{Name: "guests", URLEnv: "T_GUESTS_URL", StandIn: "svc-guest-profiles", Optional: true}
	set := provide(t, []service.Definition{spec("svc-a", res, guests)}, env(), nil)
	if set.StandIns() == nil {
		t.Fatal("StandIns() is nil after Provide started the stand-ins")
	}
	guest := uuid.NewString()
	set.StandIns().Apply(&schemas.GuestRegistered{Metadata: schemas.EventMetadata{EventID: uuid.NewString(),
		OccurredAt: time.Now()}, GuestID: guest, Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})

	get := func(url string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, body := get(set.Env["T_GUESTS_URL"] + "/v1/guests/" + guest); code != http.StatusOK || body["email"] != "ada@example.com" {
		t.Errorf("the guest put into the stand-ins: %d %v", code, body)
	}
	if code, _ := get(set.Env["T_RES_URL"] + "/v1/reservations/" + uuid.NewString()); code != http.StatusNotFound {
		t.Errorf("a reservation never given: %d, want 404", code)
	}
}

// TestProvideRefusesAnUnknownStandIn: a client naming a service no stand-in serves is an
// error naming it and the known ones, not a URL that answers 404 to everything.
func TestProvideRefusesAnUnknownStandIn(t *testing.T) {
	c := service.Client{Name: "trips", URLEnv: "T_TRIPS_URL", StandIn: "svc-trip-catalog"}
	_, err := fakes.Provide(context.Background(), []service.Definition{spec("svc-a", c)}, env(), nil,
		fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), `"svc-trip-catalog"`) || !strings.Contains(err.Error(), "svc-reservations") {
		t.Fatalf("Provide with an unknown stand-in: %v, want an error naming it and the known ones", err)
	}
}
