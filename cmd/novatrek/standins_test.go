package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/schemas"
)

func TestStandinsCommandAnswersAfterPublishing(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t, kfake.SeedTopics(3, simulatedTopics(t)...))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs([]string{"standins", "--listen", addr, "--brokers", env.Brokers[0], "--registry", env.RegistryURL})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	// One guest registers and books.
	topo, _ := topology.Default()
	g, err := simulate.NewGenerator("standins-cmd", topo)
	if err != nil {
		t.Fatal(err)
	}
	var created *schemas.ReservationCreated
	var evs []simulate.Event
	for created == nil {
		ev, err := g.Next(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
		created, _ = ev.Value.(*schemas.ReservationCreated)
	}
	url := "http://" + addr + "/svc-reservations/v1/reservations/" + created.ReservationID
	status := func() int {
		resp, err := http.Get(url)
		if err != nil {
			return 0 // not listening yet
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(20 * time.Second)
	for status() != http.StatusNotFound {
		if time.Now().After(deadline) {
			t.Fatalf("stand-ins never answered 404 before publishing; stderr: %s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := simulate.NewKafkaSink(env.Client(t), env.Serde).SendAll(ctx, evs); err != nil {
		t.Fatalf("publishing the simulated events: %v", err)
	}
	for status() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("reservation %s never answered 200 after publishing; stderr: %s", created.ReservationID, errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("standins: %v", err)
	}
	if !strings.Contains(out.String(), "stand-ins serving on http://"+addr) {
		t.Errorf("output: %q", out.String())
	}
}

func TestStandinsHelpHasExamples(t *testing.T) {
	t.Parallel()
	out, err := execNovatrek(t, "standins", "--help")
	if err != nil || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--listen") {
		t.Fatalf("help (%v):\n%s", err, out)
	}
}
