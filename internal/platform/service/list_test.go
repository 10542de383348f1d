package service_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
)

// named is the smallest Definition: a Spec with a name and a schema.
func named(name, schema string) service.Definition {
	return &service.Spec[struct{}]{Name: name, Store: service.Store{Schema: schema}}
}

func TestLookupDefinition(t *testing.T) {
	defs := []service.Definition{named("svc-b", ""), named("svc-a", "")}
	if d, err := service.LookupDefinition(defs, "svc-a"); err != nil || d.Describe().Name != "svc-a" {
		t.Fatalf("LookupDefinition(svc-a) = %v, %v", d, err)
	}
	_, err := service.LookupDefinition(defs, "svc-x")
	if err == nil || !strings.Contains(err.Error(), `unknown service "svc-x"; known services: svc-a, svc-b`) {
		t.Fatalf("LookupDefinition(svc-x) error = %v; want it to list the known services in order", err)
	}
	_, err = service.LookupDefinition(nil, "svc-a")
	if !errors.Is(err, service.ErrNoServices) {
		t.Fatalf("LookupDefinition on an empty list = %v; want ErrNoServices", err)
	}
}

func TestCheckList(t *testing.T) {
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	ours := topo.ConsumerGroups()
	if len(ours) < 2 {
		t.Fatalf("topics.yaml has %d consuming services; the test needs two", len(ours))
	}
	var foreign string
	for _, s := range topo.Services {
		if !s.Ours {
			foreign = s.Name
			break
		}
	}
	tests := []struct {
		name    string
		defs    []service.Definition
		wantErr string
	}{
		{"empty list", nil, ""},
		{"two distinct services", []service.Definition{named(ours[0], "a"), named(ours[1], "b")}, ""},
		{"listed twice", []service.Definition{named(ours[0], "a"), named(ours[0], "b")}, "listed twice"},
		{"not in topics.yaml", []service.Definition{named("svc-nope", "")}, `"svc-nope" is not one of our services`},
		{"another domain's service", []service.Definition{named(foreign, "")}, "is not one of our services"},
		{"shared schema", []service.Definition{named(ours[0], "same"), named(ours[1], "same")}, `both claim PostgreSQL schema "same"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := service.CheckList(tt.defs, topo)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckList = %v; want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckList = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
