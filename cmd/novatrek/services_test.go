package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
)

// TestServicesMatchTopology keeps the one list of services honest: every entry is one of
// our services in topics.yaml, listed once, with its own schema.
func TestServicesMatchTopology(t *testing.T) {
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Check(services(), topo); err != nil {
		t.Fatal(err)
	}
}

func execute(t *testing.T, cmd *cobra.Command, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestRunUnknownService(t *testing.T) {
	_, err := execute(t, newRunCmd(), "svc-does-not-exist")
	if err == nil {
		t.Fatal("run of an unknown service succeeded")
	}
	if len(services()) == 0 {
		if !errors.Is(err, service.ErrNoServices) {
			t.Fatalf("run = %v; want it to say no services are implemented", err)
		}
		return
	}
	if !strings.Contains(err.Error(), "known services: ") {
		t.Fatalf("run = %v; want it to list the known services", err)
	}
}

func TestMalformedSettingStopsWithOneLine(t *testing.T) {
	for name, cmd := range map[string]func() *cobra.Command{"dev": newDevCmd, "migrate": newMigrateCmd} {
		t.Run(name, func(t *testing.T) {
			_, err := execute(t, cmd(), "--database-url", "mysql://somewhere/db")
			if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s = %v; want one line naming DATABASE_URL", name, err)
			}
		})
	}
}
