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

// TestDevExternalNeedsAnAddress: an external part without its address is refused rather than
// defaulting to whatever listens on 127.0.0.1:9092 or :8081.
func TestDevExternalNeedsAnAddress(t *testing.T) {
	t.Setenv("KAFKA_BROKERS", "")
	t.Setenv("SCHEMA_REGISTRY_URL", "")
	for flag, want := range map[string]string{"--kafka": "KAFKA_BROKERS", "--schema-registry": "SCHEMA_REGISTRY_URL"} {
		_, err := execNovatrek(t, "dev", flag, "external")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("dev %s external without an address: err = %v; want one naming %s", flag, err, want)
		}
	}
}
