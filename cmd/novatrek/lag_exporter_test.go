package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/logtest"
)

// TestLagExporterCommand starts `novatrek lag-exporter` on a free port against kfake, scrapes
// /metrics until it serves the stopped group's lag (6 records: committed 4 of 10) and its
// lag seconds, then interrupts it and expects a clean exit.
func TestLagExporterCommand(t *testing.T) {
	t.Parallel()
	r := newLagRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var logs logtest.Buffer
	cmd := newRootCmd()
	cmd.SetOut(io.Discard)
	cmd.SetErr(&logs)
	cmd.SetArgs([]string{"lag-exporter", "--brokers", r.env.Brokers[0], "--listen", "127.0.0.1:0", "--interval", "100ms"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	addrRe := regexp.MustCompile(`msg="lag exporter serving" addr=(\S+)`)
	var addr string
	streamtest.Eventually(t, "the exporter to log its address", func() (bool, error) {
		select {
		case err := <-done:
			t.Fatalf("lag-exporter ended before serving: %v\n%s", err, logs.String())
		default:
		}
		if m := addrRe.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
			return true, nil
		}
		return false, nil
	})

	lagLine := regexp.MustCompile(`(?m)^kafka_consumergroup_lag\{consumergroup="g-stopped",partition="0",topic="lagcli\.topic"\} 6$`)
	secondsLine := regexp.MustCompile(`(?m)^kafka_consumergroup_lag_seconds\{consumergroup="g-stopped",partition="0",topic="lagcli\.topic"\} [0-9.e+-]+$`)
	var body string
	streamtest.Eventually(t, "/metrics to serve g-stopped's lag", func() (bool, error) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return false, err
		}
		body = string(b)
		return resp.StatusCode == http.StatusOK && lagLine.MatchString(body), nil
	})
	if !secondsLine.MatchString(body) {
		t.Errorf("/metrics lacks g-stopped's kafka_consumergroup_lag_seconds:\n%s", body)
	}
	if resp, err := http.Get("http://" + addr + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after an observation: %v %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("lag-exporter on interrupt: %v; want a clean exit", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("lag-exporter did not stop within 10s of the interrupt")
	}
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Errorf("lag-exporter still serves on %s after it stopped", addr)
	}
}
