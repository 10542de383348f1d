package fakes_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/schemas"
)

// TestProvideServesTheStandIns: clients whose fake is another domain's service get the
// stand-ins' URL under that service's prefix, one stack for both, answering from what the
// test put into Set.StandIns (404 for anything else).
func TestProvideServesTheStandIns(t *testing.T) {
	res := service.Client{Name: "reservations", URLEnv: "T_RES_URL", Fake: "svc-reservations"}
	guests := service.Client{Name: "guests", URLEnv: "T_GUESTS_URL", Fake: "svc-guest-profiles"}
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

// TestProvidePointsStandInClientsAtTheDevStack: with Options.StandIns (the dev stack
// serving its topic-fed stand-ins), a stand-in client gets that URL under its service's
// prefix and no stand-in of its own is started.
func TestProvidePointsStandInClientsAtTheDevStack(t *testing.T) {
	res := service.Client{Name: "reservations", URLEnv: "T_RES_URL", Fake: "svc-reservations"}
	set, err := fakes.Provide(context.Background(), []service.Definition{spec("svc-a", res)}, env(), nil,
		fakes.Options{StandIns: "http://127.0.0.1:8080/"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	if got := set.Env["T_RES_URL"]; got != "http://127.0.0.1:8080/svc-reservations" {
		t.Errorf("T_RES_URL = %q, want the dev stack's stand-in", got)
	}
	if set.StandIns() != nil {
		t.Error("a stand-in was started although the dev stack serves them")
	}
}
