package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
)

// runTestValkeyDB is the test Valkey database of TestRunServesEveryServiceWithTheFakes.
const runTestValkeyDB = 11

// TestRunServesEveryServiceWithTheFakes runs `novatrek run <service>` for every service with
// no provider URL set: run starts the local fakes before it builds the service, so each
// comes up ready (a service built before the fakes' URLs are set refuses to start), and a
// Ctrl-C stops it cleanly.
func TestRunServesEveryServiceWithTheFakes(t *testing.T) {
	for _, name := range service.DefinitionNames(services()) {
		t.Run(name, func(t *testing.T) {
			env := kafkaWithTopics(t, 3)
			prefix := "runtest-" + strings.TrimPrefix(name, "svc-") + "-" + time.Now().Format("150405.000000")
			t.Setenv("NOTIFICATIONS_STREAM_PREFIX", prefix)
			valkeytest.Client(t, runTestValkeyDB, prefix+".emergency", prefix+".routine", prefix+".poison")
			addr := freeAddr(t)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out logtest.Buffer // written by the command, read here
			cmd := newRunCmd()
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs([]string{name, "--brokers", strings.Join(env.Brokers, ","), "--registry", env.RegistryURL,
				"--database-url", pgtest.URL(t), "--valkey-url", valkeytest.URL(t, runTestValkeyDB), "--http-addr", addr})
			done := make(chan error, 1)
			go func() { done <- cmd.ExecuteContext(ctx) }()

			deadline := time.Now().Add(60 * time.Second)
			for {
				select {
				case err := <-done:
					t.Fatalf("run %s returned before it was ready: %v\n%s", name, err, out.String())
				default:
				}
				if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("run %s was not ready within a minute:\n%s", name, out.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !strings.Contains(out.String(), "is unset") {
				t.Errorf("run %s said nothing about the fakes it started:\n%s", name, out.String())
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("run %s after Ctrl-C = %v", name, err)
			}
		})
	}
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
