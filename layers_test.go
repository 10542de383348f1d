package support_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The layers of the module, lowest first. ARCHITECTURE.md explains them; this test keeps the
// code honest about them: a package may import only the layers its own layer lists, and a
// test kit only from tests.
const (
	layerBase     = "base"     // the module root (topics.yaml embedded) and schemas/
	layerPlatform = "platform" // internal/platform/..., outbox/..., publish: what services stand on
	layerService  = "service"  // processors/<service>/...
	layerOps      = "ops"      // internal/ops/... (lag, dead letters, topic plans) and ops/ (dashboards, alerts)
	layerDev      = "dev"      // internal/dev/...: dev stack, third-party fakes, stand-ins, simulator
	layerTestkit  = "testkit"  // internal/testkit/... and every package named *test
	layerCmd      = "cmd"      // cmd/...
	layerDocs     = "docs"     // docs/...: runnable client examples and the docs tests
)

// mayImport lists, per layer, the layers its non-test files may import. A service may import
// its own subtree but no other service (checked separately).
var mayImport = map[string][]string{
	layerBase:     {layerBase},
	layerPlatform: {layerBase, layerPlatform},
	layerService:  {layerBase, layerPlatform, layerService},
	layerOps:      {layerBase, layerPlatform, layerOps},
	layerDev:      {layerBase, layerPlatform, layerOps, layerDev},
	layerTestkit:  {layerBase, layerPlatform, layerService, layerOps, layerDev, layerTestkit},
	layerCmd:      {layerBase, layerPlatform, layerService, layerOps, layerDev, layerCmd},
	layerDocs:     {layerBase, layerPlatform},
}

// testOnlyImports are packages a service's production code must not import: fakes of the
// broker, the registry and HTTP belong in tests and the dev stack.
var testOnlyImports = []string{
	"github.com/twmb/franz-go/pkg/kfake",
	"github.com/twmb/franz-go/pkg/sr/srfake",
	"net/http/httptest",
}

const module = "github.com/novatrek/support"

// layerOf classifies a package directory relative to the module root; "" is unplaced.
func layerOf(dir string) string {
	dir = filepath.ToSlash(dir)
	if strings.HasSuffix(path.Base(dir), "test") && dir != "." {
		return layerTestkit
	}
	switch {
	case dir == "." || dir == "schemas" || strings.HasPrefix(dir, "schemas/"):
		return layerBase
	case strings.HasPrefix(dir, "internal/platform/"), dir == "outbox", strings.HasPrefix(dir, "outbox/"), dir == "publish":
		return layerPlatform
	case strings.HasPrefix(dir, "processors/"):
		return layerService
	case strings.HasPrefix(dir, "internal/ops/"), dir == "ops":
		return layerOps
	case strings.HasPrefix(dir, "internal/dev/"):
		return layerDev
	case strings.HasPrefix(dir, "internal/testkit/"):
		return layerTestkit
	case dir == "cmd" || strings.HasPrefix(dir, "cmd/"):
		return layerCmd
	case dir == "docs" || strings.HasPrefix(dir, "docs/"):
		return layerDocs
	}
	return ""
}

// serviceOf names the service subtree of a processors/ directory.
func serviceOf(dir string) string {
	parts := strings.Split(filepath.ToSlash(dir), "/")
	if len(parts) < 2 || parts[0] != "processors" {
		return ""
	}
	return parts[1]
}

// violations walks root and returns one line per import that breaks the layers.
func violations(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			// A folder with its own go.mod is another module (bench/, the peers), whose
			// imports the product never links.
			if _, err := os.Stat(filepath.Join(p, "go.mod")); p != root && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		dir := filepath.ToSlash(filepath.Dir(rel))
		from := layerOf(dir)
		if from == "" {
			out = append(out, rel+": the package is in no layer (place its folder in one; see layers_test.go)")
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		isTest := strings.HasSuffix(p, "_test.go")
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			if from == layerService && !isTest && slices.Contains(testOnlyImports, imp) {
				out = append(out, rel+" imports "+imp+": services import no test fakes outside tests")
			}
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			target := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if target == "" {
				target = "."
			}
			to := layerOf(target)
			switch {
			case to == layerTestkit && !isTest && from != layerTestkit:
				out = append(out, rel+" imports "+target+": test kits are imported only by tests and other test kits")
			case isTest:
				// Tests may import any layer but cmd.
				if to == layerCmd && from != layerCmd {
					out = append(out, rel+" imports "+target+": nothing imports cmd")
				}
			case !slices.Contains(mayImport[from], to):
				out = append(out, rel+" imports "+target+": "+from+" never imports "+to)
			case from == layerService && to == layerService && serviceOf(dir) != serviceOf(target):
				out = append(out, rel+" imports "+target+": a service never imports another service")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLayers fails when an import crosses a layer the wrong way: services never import the dev
// stack, fakes or test kits; the platform never imports services, ops or dev; test kits are
// only for tests.
func TestLayers(t *testing.T) {
	t.Parallel()
	for _, v := range violations(t, ".") {
		t.Error(v)
	}
}

// TestLayersCatchesEachRule runs the checker over testdata/layers, a tiny tree with one
// violation per rule, so a checker that stopped checking would fail here.
func TestLayersCatchesEachRule(t *testing.T) {
	t.Parallel()
	root := filepath.Join("testdata", "layers")
	if _, err := os.Stat(root); err != nil {
		t.Fatal(err)
	}
	got := violations(t, root)
	want := []string{
		"internal/platform/bad/bad.go imports processors/pay: platform never imports service",
		"internal/platform/bad/bad.go imports internal/testkit/kit: test kits are imported only by tests and other test kits",
		"processors/pay/pay.go imports internal/dev/fake: service never imports dev",
		"processors/pay/pay.go imports net/http/httptest: services import no test fakes outside tests",
		"processors/pay/pay.go imports processors/ship: a service never imports another service",
		"stray/stray.go: the package is in no layer (place its folder in one; see layers_test.go)",
	}
	for _, w := range want {
		if !slices.Contains(got, filepath.FromSlash(w)) && !slices.Contains(got, w) {
			t.Errorf("the checker missed: %s\ngot:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}
