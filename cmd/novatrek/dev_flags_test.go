package main

import (
	"strings"
	"testing"
)

func TestDevHelpHasExamplesAndTheLiveFlags(t *testing.T) {
	t.Parallel()
	out, err := execNovatrek(t, "dev", "--help")
	for _, want := range []string{"Examples:", "--simulate-rate", "--simulate-seed", "--status-interval"} {
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("dev --help lacks %q (%v):\n%s", want, err, out)
		}
	}
}

// TestDevRefusesBadLiveFlags: malformed values are refused before anything starts.
func TestDevRefusesBadLiveFlags(t *testing.T) {
	t.Parallel()
	for flag, args := range map[string][]string{
		"--simulate-rate":   {"--simulate-rate", "lots"},
		"--status-interval": {"--status-interval", "-5s"},
	} {
		_, err := execNovatrek(t, append([]string{"dev"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("dev %v: err = %v; want one naming %s", args, err, flag)
		}
	}
}
