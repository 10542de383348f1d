package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/logtest"
)

// TestConsoleCommand starts `novatrek console` on a free port against kfake and the test
// registry, waits until its groups page shows the stopped group the lag rig made, and
// interrupts it: a clean exit.
func TestConsoleCommand(t *testing.T) {
	t.Parallel()
	r := newLagRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var out logtest.Buffer
	cmd := newRootCmd()
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs([]string{"console", "--brokers", r.env.Brokers[0], "--registry", r.env.RegistryURL, "--listen", "127.0.0.1:0", "--interval", "100ms"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	addrRe := regexp.MustCompile(`NovaTrek console on (http://\S+/) \(read-only`)
	var base string
	streamtest.Eventually(t, "the console to print its address", func() (bool, error) {
		select {
		case err := <-done:
			t.Fatalf("console ended before serving: %v\n%s", err, out.String())
		default:
		}
		if m := addrRe.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			return true, nil
		}
		return false, nil
	})
	streamtest.Eventually(t, "the groups page to show g-stopped", func() (bool, error) {
		resp, err := http.Get(base + "groups")
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK && strings.Contains(string(b), "g-stopped"), err
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("console after interrupt: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("console did not stop within 30s of the interrupt")
	}
}

// TestConsoleCommandRefusesBadInterval: bad config stops startup with one clear line.
func TestConsoleCommandRefusesBadInterval(t *testing.T) {
	t.Parallel()
	cmd := newRootCmd()
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetArgs([]string{"console", "--interval", "0s"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--interval 0s must be positive") {
		t.Fatalf("console --interval 0s: %v, want an error naming --interval", err)
	}
}
