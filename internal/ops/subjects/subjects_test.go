package subjects

import (
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/registry"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// TestCheckRealSchemas is `novatrek schemas check` over the committed schemas.
func TestCheckRealSchemas(t *testing.T) {
	results, err := DefaultCheck()
	if err != nil {
		t.Fatalf("the committed schemas fail the compatibility check:\n%v", err)
	}
	byName := map[string]CheckResult{}
	for _, r := range results {
		byName[r.Schema] = r
	}
	cat, err := schemas.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(cat.Names()) {
		t.Errorf("%d results for %d schemas", len(results), len(cat.Names()))
	}
	if r := byName["reservation_created"]; r.Versions < 2 || r.Modes[0] != compat.BackwardTransitive {
		t.Errorf("reservation_created: %+v; want at least 2 versions checked BACKWARD_TRANSITIVE", r)
	}
	if r := byName["notification_requested"]; len(r.Modes) != 1 || r.Modes[0] != compat.FullTransitive {
		t.Errorf("notification_requested modes %v; want the FULL_TRANSITIVE of its topic", r.Modes)
	}
	if r := byName["event_metadata"]; len(r.Topics) != 0 || r.Modes[0] != compat.BackwardTransitive {
		t.Errorf("event_metadata: %+v; want no topics and the default mode", r)
	}
}

// testCatalog builds a catalog of the real shared types plus thing_done/v1..vN.
func testCatalog(t *testing.T, versions ...string) *schemas.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, n := range schemas.Shared {
		b, err := fs.ReadFile(schemas.FS(), n+"/v1.avsc")
		if err != nil {
			t.Fatal(err)
		}
		fsys[n+"/v1.avsc"] = &fstest.MapFile{Data: b}
	}
	for i, fields := range versions {
		fsys["thing_done/v"+string(rune('1'+i))+".avsc"] = &fstest.MapFile{Data: []byte(
			`{"type":"record","name":"ThingDone","namespace":"com.novatrek.test","fields":[
				{"name":"metadata","type":"com.novatrek.EventMetadata"}` + fields + `]}`)}
	}
	cat, err := schemas.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func testTopology(t *testing.T, mode string) *topology.Topology {
	t.Helper()
	top, err := topology.Load([]byte(`
services:
  - {name: svc-x, domain: test}
topics:
  - name: novatrek.test.thing.done
    kind: event
    partitions: 1
    retention: 1d
    cleanup_policy: delete
    key: thing_id
    value_schema: thing_done
    compatibility: ` + mode + `
    producers: [svc-x]
`))
	if err != nil {
		t.Fatal(err)
	}
	return top
}

const (
	idField      = `,{"name":"thing_id","type":"string"}`
	weightNoDef  = `,{"name":"weight_kg","type":"double"}`
	weightOpt    = `,{"name":"weight_kg","type":["null","double"],"default":null}`
	colourNoDef  = `,{"name":"colour","type":"string"}`
	colourAsLong = `,{"name":"colour","type":"long"}`
)

// TestCheckRejectsIncompatibleVersions shows the check failing, naming the schema, version
// and field, under each family of modes.
func TestCheckRejectsIncompatibleVersions(t *testing.T) {
	tests := []struct {
		name     string
		mode     string
		versions []string
		want     []string // substrings of the error; none means compatible
	}{
		{"backward: new required field", "BACKWARD", []string{idField, idField + weightNoDef},
			[]string{"thing_done v2", "BACKWARD", "weight_kg"}},
		{"backward: new optional field", "BACKWARD_TRANSITIVE", []string{idField, idField + weightOpt}, nil},
		{"backward: dropped field is fine", "BACKWARD", []string{idField + colourNoDef, idField}, nil},
		{"forward: dropped required field", "FORWARD", []string{idField + colourNoDef, idField},
			[]string{"thing_done v2", "FORWARD", "colour"}},
		{"full: dropped required field", "FULL_TRANSITIVE", []string{idField + colourNoDef, idField},
			[]string{"FULL_TRANSITIVE", "colour"}},
		{"type change", "BACKWARD", []string{idField + colourNoDef, idField + colourAsLong},
			[]string{"colour", "changed type"}},
		{"transitive sees v1", "BACKWARD_TRANSITIVE", []string{idField, idField + weightOpt, idField + weightNoDef + `,{"name":"x","type":["null","string"],"default":null}`},
			[]string{"thing_done v3", "weight_kg"}},
		{"none allows anything", "NONE", []string{idField, idField + colourAsLong}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, err := Check(testTopology(t, tt.mode), testCatalog(t, tt.versions...))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check: %v; want compatible", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check passed an incompatible history")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var failed int
			for _, r := range results {
				if r.Err != nil {
					failed++
					if r.Schema != "thing_done" {
						t.Errorf("failure reported on %s", r.Schema)
					}
				}
			}
			if failed != 1 {
				t.Errorf("%d failing results, want 1", failed)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	subs, err := DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	top, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	withSchema := 0
	for _, tp := range top.Topics {
		if tp.HasSchema() {
			withSchema++
		}
	}
	if len(subs) != withSchema {
		t.Fatalf("%d subjects for %d topics with a schema", len(subs), withSchema)
	}
	for i, s := range subs {
		if i > 0 && subs[i-1].Name >= s.Name {
			t.Errorf("subjects not sorted at %s", s.Name)
		}
		if s.Name != s.Topic+"-value" || len(s.Versions) == 0 {
			t.Errorf("subject %+v", s)
		}
	}
}

func newRegistry(t *testing.T) *sr.Client {
	t.Helper()
	reg, err := registry.New(registry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestRegisterAgainstRegistry registers every subject in the embedded registry, checks
// modes, versions and idempotence, then shows the registry refusing an incompatible version.
func TestRegisterAgainstRegistry(t *testing.T) {
	ctx := t.Context()
	cl := newRegistry(t)
	subs, err := DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	first, err := Register(ctx, cl, subs, nil)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	total := 0
	for _, s := range subs {
		total += len(s.Versions)
	}
	if len(first) != total {
		t.Fatalf("registered %d versions, want %d", len(first), total)
	}
	for _, r := range first {
		if r.RegistryVersion != r.Version || r.ID <= 0 {
			t.Errorf("%s v%d: registry version %d id %d", r.Subject, r.Version, r.RegistryVersion, r.ID)
		}
	}
	for _, s := range subs {
		res := cl.Compatibility(ctx, s.Name)
		if res[0].Err != nil || res[0].Level.String() != string(s.Mode) {
			t.Errorf("%s: compatibility %v (%v), want %s", s.Name, res[0].Level, res[0].Err, s.Mode)
		}
		latest, err := cl.SchemaByVersion(ctx, s.Name, -1)
		if err != nil {
			t.Fatal(err)
		}
		if latest.Version != len(s.Versions) {
			t.Errorf("%s: latest version %d, want %d", s.Name, latest.Version, len(s.Versions))
		}
	}

	again, err := Register(ctx, cl, subs, nil)
	if err != nil {
		t.Fatalf("second Register: %v", err)
	}
	for i := range again {
		if again[i] != first[i] {
			t.Errorf("re-registering changed %+v to %+v", first[i], again[i])
		}
	}

	// A v3 of reservation_created that adds a required field cannot be registered.
	var target Subject
	for _, s := range subs {
		if s.Schema == "reservation_created" {
			target = s
		}
	}
	bad := schemas.Version{
		Name:   target.Schema,
		Number: len(target.Versions) + 1,
		Text: strings.Replace(target.Versions[len(target.Versions)-1].Text,
			`"fields":[`, `"fields":[{"name":"weight_kg","type":"double"},`, 1),
	}
	target.Versions = append(target.Versions, bad)
	_, err = Register(ctx, cl, []Subject{target}, nil)
	var re *sr.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusConflict || !strings.Contains(err.Error(), "weight_kg") {
		t.Fatalf("registering an incompatible version: %v; want a 409 naming weight_kg", err)
	}
}
