package main

import (
	"slices"
	"testing"

	"github.com/novatrek/support/internal/dev/fakes"
)

// TestEveryServiceDeclaresItsFakes: each service's clients name a registered fake, so dev
// and run start them for the service instead of the service starting its own, or another
// domain (Client.Domain), whose service the dev stand-ins answer for.
func TestEveryServiceDeclaresItsFakes(t *testing.T) {
	defs := clientDefinitions()
	if len(defs) != len(services()) {
		t.Fatalf("%d definitions for %d services", len(defs), len(services()))
	}
	for _, def := range defs {
		d := def.Describe()
		if len(d.Clients) == 0 {
			t.Errorf("%s declares no clients", d.Name)
		}
		for _, c := range d.Clients {
			if c.Domain != "" && c.Fake == "" {
				continue
			}
			if !slices.Contains(fakes.Keys(), c.Fake) {
				t.Errorf("%s: client %s names fake %q, not one of %v", d.Name, c.Name, c.Fake, fakes.Keys())
			}
		}
	}
	if got := devBaseURL(":8080")("svc-x"); got != "http://127.0.0.1:8080/svc-x" {
		t.Errorf("devBaseURL(:8080) = %q", got)
	}
	if got := devBaseURL("127.0.0.1:0")("svc-x"); got != "" {
		t.Errorf("devBaseURL(port 0) = %q, want unknown", got)
	}
}
