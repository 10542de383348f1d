package media

import (
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestConformance: the suite every service passes, on reservation.status-changed.
func TestConformance(t *testing.T) { servicetest.Conformance(t, Spec, conformanceFixture(t)) }
