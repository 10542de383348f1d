package fakes_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
)

// TestProvideWritesTheStaffDirectory: a Setting with the "staff-directory" fake and its
// variable unset gets the dev directory written into the data directory, every group with
// members on every channel; a set variable is left alone; an unknown fake is an error
// naming the variable.
func TestProvideWritesTheStaffDirectory(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	def := &service.Spec[struct{}]{Name: "svc-a", Settings: []service.Setting{{Env: "T_DIRECTORY_FILE", Fake: "staff-directory"}}}
	set, err := fakes.Provide(context.Background(), []service.Definition{def}, env(), nil,
		fakes.Options{DataDir: dataDir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := set.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	file := set.Env["T_DIRECTORY_FILE"]
	if filepath.Dir(file) != dataDir {
		t.Fatalf("T_DIRECTORY_FILE = %q; want a file in the data directory %s", file, dataDir)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var dir map[string]map[string][]fakes.StaffAddress
	if err := json.Unmarshal(raw, &dir); err != nil {
		t.Fatalf("the directory file is not JSON: %v", err)
	}
	for _, g := range []string{"group:operations-staff", "group:safety-officers", "group:park-rangers", "group:rescue-team", "group:active-guides"} {
		for _, ch := range []string{"email", "sms", "push", "in_app"} {
			if as := dir[g][ch]; len(as) != 2 || as[0].To == "" || !strings.HasPrefix(as[0].Member, "STAFF:") {
				t.Errorf("%s on %s: %+v; want two fake members", g, ch, as)
			}
		}
	}

	kept, err := fakes.Provide(context.Background(), []service.Definition{def}, env("T_DIRECTORY_FILE", "/etc/staff.json"), nil,
		fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := kept.Env["T_DIRECTORY_FILE"]; ok {
		t.Errorf("T_DIRECTORY_FILE was set, yet the overlay has %q", v)
	}

	bad := &service.Spec[struct{}]{Name: "svc-a", Settings: []service.Setting{{Env: "T_DIRECTORY_FILE", Fake: "nope"}}}
	_, err = fakes.Provide(context.Background(), []service.Definition{bad}, env(), nil, fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "T_DIRECTORY_FILE") || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown fake: %v; want an error naming T_DIRECTORY_FILE and the key", err)
	}
}
