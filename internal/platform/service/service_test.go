package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
)

// fakeService is a minimal real implementation of service.Service for the tests.
type fakeService struct {
	name, schema string
	sets         []migrate.Set
	run          func(ctx context.Context, deps service.Deps) error
}

func (f *fakeService) Name() string              { return f.name }
func (f *fakeService) Schema() string            { return f.schema }
func (f *fakeService) Migrations() []migrate.Set { return f.sets }
func (f *fakeService) Run(ctx context.Context, d service.Deps) error {
	if f.run == nil {
		<-ctx.Done()
		return nil
	}
	return f.run(ctx, d)
}

func TestLookup(t *testing.T) {
	svcs := []service.Service{&fakeService{name: "svc-b"}, &fakeService{name: "svc-a"}}
	if s, err := service.Lookup(svcs, "svc-a"); err != nil || s.Name() != "svc-a" {
		t.Fatalf("Lookup(svc-a) = %v, %v", s, err)
	}
	_, err := service.Lookup(svcs, "svc-x")
	if err == nil || !strings.Contains(err.Error(), `unknown service "svc-x"; known services: svc-a, svc-b`) {
		t.Fatalf("Lookup(svc-x) error = %v; want it to list the known services in order", err)
	}
	_, err = service.Lookup(nil, "svc-a")
	if !errors.Is(err, service.ErrNoServices) {
		t.Fatalf("Lookup on an empty list = %v; want ErrNoServices", err)
	}
}

func TestCheck(t *testing.T) {
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
		svcs    []service.Service
		wantErr string
	}{
		{"empty list", nil, ""},
		{"two distinct services", []service.Service{
			&fakeService{name: ours[0], schema: "a"}, &fakeService{name: ours[1], schema: "b"},
		}, ""},
		{"listed twice", []service.Service{
			&fakeService{name: ours[0], schema: "a"}, &fakeService{name: ours[0], schema: "b"},
		}, "listed twice"},
		{"not in topics.yaml", []service.Service{&fakeService{name: "svc-nope"}}, `"svc-nope" is not one of our services`},
		{"another domain's service", []service.Service{&fakeService{name: foreign}}, "is not one of our services"},
		{"shared schema", []service.Service{
			&fakeService{name: ours[0], schema: "same"}, &fakeService{name: ours[1], schema: "same"},
		}, `both claim PostgreSQL schema "same"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := service.Check(tt.svcs, topo)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check = %v; want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func migrationSet(name string, files map[string]string) migrate.Set {
	fsys := fstest.MapFS{}
	for n, body := range files {
		fsys[n] = &fstest.MapFile{Data: []byte(body)}
	}
	return migrate.Set{Name: name, FS: fsys}
}
