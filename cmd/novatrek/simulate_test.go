package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/kafkatest"
	"github.com/novatrek/support/internal/simulate"
)

// runCmd runs the root command with args and returns stdout and the error.
func execNovatrek(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), err
}

func TestSimulateCommand(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t, kfake.SeedTopics(3, simulate.Topics...))
	conn := []string{"--brokers", env.Brokers[0], "--registry", env.RegistryURL}
	if _, err := execNovatrek(t, append([]string{"schemas", "register"}, conn...)...); err != nil {
		t.Fatalf("schemas register: %v", err)
	}
	out, err := execNovatrek(t, append([]string{"simulate", "--rate", "100/s", "--duration", "1s", "--seed", "cmd"}, conn...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "sent 100 events (seed cmd)") || !strings.Contains(out, simulate.TopicReservationCreated) {
		t.Fatalf("output:\n%s", out)
	}
	cl := env.Client(t, kgo.ConsumeTopics(simulate.Topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for n < 100 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("found %d of 100 records", n)
		}
		n += fs.NumRecords()
	}

	for _, bad := range [][]string{{"--rate", "fast"}, {"--rate", "0"}, {"--rate", "-2/s"}} {
		if _, err := execNovatrek(t, append(append([]string{"simulate"}, bad...), conn...)...); err == nil || !strings.Contains(err.Error(), "--rate") {
			t.Errorf("simulate %v: err = %v; want one naming --rate", bad, err)
		}
	}
}

func TestSimulateHelpHasExamples(t *testing.T) {
	t.Parallel()
	out, err := execNovatrek(t, "simulate", "--help")
	if err != nil || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--seed") {
		t.Fatalf("help (%v):\n%s", err, out)
	}
}
