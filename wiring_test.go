package support_test

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// maxWiring is issue 12's bound on a service's wiring: everything outside its domain logic,
// handlers, SQL and migrations, counted as scripts/wiring-count counts it (CONTRIBUTING.md).
const maxWiring = 150

// TestWiringUnderTheBound fails when a service's wiring reaches maxWiring lines, naming the
// service, its count and its wiring files. It runs scripts/wiring-count, so the script and
// the test keep one rule.
func TestWiringUnderTheBound(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("bash", "scripts/wiring-count", ".").Output()
	if err != nil {
		t.Fatalf("scripts/wiring-count: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("scripts/wiring-count listed no service under processors/")
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 {
			t.Fatalf("scripts/wiring-count printed %q; want \"<service> <lines> <files…>\"", l)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("scripts/wiring-count printed %q: %v", l, err)
		}
		if len(f) == 2 {
			t.Errorf("processors/%s has no wiring file (service.go, app.go, config.go, *_wiring.go)", f[0])
		}
		if n >= maxWiring {
			t.Errorf("processors/%s: %d lines of wiring in %s; the bound is under %d (see CONTRIBUTING.md)", f[0], n, strings.Join(f[2:], ", "), maxWiring)
		}
	}
}
