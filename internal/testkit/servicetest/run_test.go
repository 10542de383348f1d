package servicetest_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestRunnerRunsTheExampleSpec: runner.Run, `novatrek run` for a Spec, connects what the
// config names, migrates, and serves the example's route beside /healthz, /readyz and
// /metrics on HTTP_ADDR until its context ends; then it stops cleanly and the port closes.
func TestRunnerRunsTheExampleSpec(t *testing.T) {
	t.Parallel()
	kafka := kafkatest.New(t)
	kafka.CreateTopics(t, servicetest.Partitions, topicGuests, topicWelcomed)
	kafka.CreateTopics(t, 1, "novatrek.support.dlq."+exampleName)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := config.FromEnv()
	cfg.KafkaBrokers, cfg.SchemaRegistryURL, cfg.DatabaseURL = kafka.Brokers, kafka.RegistryURL, pgtest.URL(t)
	cfg.HTTPAddr, cfg.DataDir = addr, t.TempDir()
	// In production the schemas are registered ahead (`novatrek schemas register`): here the
	// test's auto-registering serde registers the output's by encoding one.
	welcomed := &schemas.LoyaltyTierChanged{PreviousTier: "UNKNOWN", NewTier: "EXPLORER", Direction: "PROMOTION"}
	if _, err := kafka.Serde.Encode(context.Background(), topicWelcomed, welcomed.Schema(), welcomed); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{apiauth.EnvTokens: "svc-analytics=" + servicetest.Token("svc-analytics")}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runner.Run(ctx, exampleSpec, service.RunConfig{Config: cfg, Topology: exampleTopology(t),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Getenv: func(k string) string { return env[k] }})
	}()
	base := "http://" + addr
	get := func(path string, auth bool) (int, string, error) {
		req, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			return 0, "", err
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+servicetest.Token("svc-analytics"))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	streamtest.Eventually(t, "/readyz ready", func() (bool, error) {
		select {
		case err := <-done:
			t.Fatalf("runner.Run returned early: %v", err)
		default:
		}
		code, _, err := get("/readyz", false)
		return err == nil && code == http.StatusOK, nil
	})

	ev := registered("runner", "Grace")
	b, err := kafka.Serde.Encode(ctx, topicGuests, ev.Schema, ev.Value)
	if err != nil {
		t.Fatal(err)
	}
	producer := kafka.Client(t)
	if err := producer.ProduceSync(ctx, &kgo.Record{Topic: topicGuests, Key: []byte(ev.Key), Value: b}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	path := "/v1/greetings/" + ev.Value.(*schemas.GuestRegistered).GuestID
	streamtest.Eventually(t, "the greeting served", func() (bool, error) {
		code, body, err := get(path, true)
		return code == http.StatusOK && strings.Contains(body, "Welcome, Grace"), err
	})
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/healthz", []string{"ok"}},
		{"/readyz", []string{"ready"}},
		{"/metrics", []string{"novatrek_stream_records_total{", `service="svc-example"`, "novatrek_outbox_"}},
	} {
		code, body, err := get(c.path, false)
		if err != nil || code != http.StatusOK {
			t.Errorf("GET %s = %d (%v), want 200", c.path, code, err)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", c.path, w)
			}
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("runner.Run after cancel: %v", err)
	}
	if _, _, err := get("/healthz", false); err == nil {
		t.Error("the HTTP server still answers after Run returned")
	}
}
