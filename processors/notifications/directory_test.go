package notifications

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/provider"
)

// testDirectoryFile is the tests' staff directory: every group with two members on every
// channel, at addresses the fake providers accept.
const testDirectoryFile = "testdata/directory.json"

// testDirectory is testDirectoryFile as the service loads it.
func testDirectory(t *testing.T) delivery.StaticDirectory {
	t.Helper()
	d, err := loadDirectory(testDirectoryFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLoadDirectory reads a directory file, fills a missing member with the recipient and
// rejects an entry without an address or a missing file; no file leaves every group
// without members (unknown recipient), and the test directory has every group the intake
// notifies on every channel.
func TestLoadDirectory(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	var warned logtest.Buffer
	none, err := loadDirectory("", slog.New(slog.NewTextHandler(&warned, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warned.String(), "level=WARN") || !strings.Contains(warned.String(), "NOTIFICATIONS_DIRECTORY_FILE is unset") {
		t.Errorf("no directory file: logged %q; want one warning naming NOTIFICATIONS_DIRECTORY_FILE", warned.String())
	}
	full := testDirectory(t)
	for _, g := range groups {
		for _, ch := range []provider.Channel{provider.Email, provider.SMS, provider.Push, provider.InApp} {
			if as, err := full.Resolve(t.Context(), string(g), ch); err != nil || len(as) == 0 {
				t.Errorf("test directory: %s on %s: %v %v", g, ch, as, err)
			}
			if as, err := none.Resolve(t.Context(), string(g), ch); !errors.Is(err, delivery.ErrUnknownRecipient) {
				t.Errorf("no directory file: %s on %s: %v %v; want unknown recipient", g, ch, as, err)
			}
		}
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"group:rescue-team": {"sms": [{"to": "+15550100"}], "email": [{"member": "STAFF:r-1", "to": "r1@example.com", "name": "R 1"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := loadDirectory(good, log)
	if err != nil {
		t.Fatal(err)
	}
	sms, err := d.Resolve(t.Context(), "group:rescue-team", provider.SMS)
	if err != nil || len(sms) != 1 || sms[0].To != "+15550100" || sms[0].Member != "group:rescue-team" {
		t.Errorf("sms = %+v, %v", sms, err)
	}
	mail, err := d.Resolve(t.Context(), "group:rescue-team", provider.Email)
	if err != nil || len(mail) != 1 || mail[0] != (delivery.Address{Member: "STAFF:r-1", To: "r1@example.com", Name: "R 1"}) {
		t.Errorf("email = %+v, %v", mail, err)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"group:rescue-team": {"sms": [{"member": "x"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDirectory(bad, log); err == nil {
		t.Error("an entry without an address was accepted")
	}
	if _, err := loadDirectory(filepath.Join(dir, "missing.json"), log); err == nil {
		t.Error("a missing file was accepted")
	}
}
