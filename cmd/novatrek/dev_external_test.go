package main

import (
	"strings"
	"testing"
)

// TestDevRefusesUnknownModes: --kafka and --schema-registry take embedded or external only.
func TestDevRefusesUnknownModes(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--kafka", "--schema-registry"} {
		_, err := execNovatrek(t, "dev", flag, "remote")
		if err == nil || !strings.Contains(err.Error(), flag) || !strings.Contains(err.Error(), "external") {
			t.Errorf("dev %s remote: err = %v; want one naming %s and its values", flag, err, flag)
		}
	}
}
