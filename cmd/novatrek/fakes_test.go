package main

import (
	"slices"
	"testing"

	"github.com/novatrek/support/internal/dev/fakes"
)

// TestEveryServiceDeclaresItsFakes: each service's clients name a registered fake (or, for
// another domain's service, its stand-in), so dev
// and run start them for the service instead of the service starting its own.
func TestEveryServiceDeclaresItsFakes(t *testing.T) {
	defs := clientDefinitions()
	if len(defs) != len(services()) {
		t.Fatalf("%d definitions for %d services", len(defs), len(services()))
	}
	for _, def := range defs {
		// A service that calls no third party (svc-location-services) declares none.
		d := def.Describe()
		for _, c := range d.Clients {
			if (c.StandIn != "" || c.Service != "") && c.Fake == "" {
				continue // another domain's service (its stand-in answers) or one of ours
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
