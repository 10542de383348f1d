package httpedge_test

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/pci"
	"github.com/novatrek/support/internal/platform/problem"
)

// TestHexIdempotencyKeysAreNotCardNumbers: the keys other teams' clients generate — hex
// digests and random bytes hex-encoded (64, 40, 32 characters: the simulator's are 32) and
// UUIDs — are never refused as card numbers, although about one random hex key in a few
// thousand starts or ends with a Luhn-valid 13–19 digit run that ContainsPAN finds (the
// soak's 20x day met about 14 of them as 400 card-data-refused). The keys are drawn from a fixed
// seed; those ContainsPAN flags are the ones that matter, and the test needs some. A key
// that is not a hex token is screened as before.
func TestHexIdempotencyKeysAreNotCardNumbers(t *testing.T) {
	t.Parallel()
	rng := rand.NewChaCha8([32]byte{21})
	var flagged []string
	for _, size := range []int{32, 20, 16} { // bytes: SHA-256, SHA-1, a dashless UUID
		for range 40000 {
			b := make([]byte, size)
			rng.Read(b)
			if key := hex.EncodeToString(b); pci.ContainsPAN(key) {
				flagged = append(flagged, key, strings.ToUpper(key))
			}
		}
	}
	if len(flagged) < 20 {
		t.Fatalf("only %d of 120,000 random hex keys look like card numbers to ContainsPAN; the test needs more", len(flagged)/2)
	}
	var u uuid.UUID
	for range 20 {
		rng.Read(u[:])
		flagged = append(flagged, u.String(), strings.ReplaceAll(u.String(), "-", ""))
	}

	e := newEdge(t, 0)
	for _, key := range flagged {
		if a := e.do("POST", "/echo", []byte(`{}`), "Idempotency-Key", key); a.status != http.StatusOK {
			t.Errorf("Idempotency-Key %s: %d %s", key, a.status, a.body)
		}
	}
	if got := int(e.reached.Load()); got != len(flagged) {
		t.Errorf("the handler ran %d times for %d keys", got, len(flagged))
	}

	for what, key := range map[string]string{
		"a bare test card":           "4242424242424242",
		"a grouped test card":        "4242 4242 4242 4242",
		"a prefixed test card":       "order-4242424242424242",
		"a test card glued to 8 hex": "4242424242424242deadbeef", // shorter than a token
	} {
		e.do("POST", "/echo", []byte(`{}`), "Idempotency-Key", key).isProblem(t, "Idempotency-Key holding "+what, http.StatusBadRequest, problem.TypeCardData)
	}
}
