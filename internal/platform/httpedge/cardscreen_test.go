package httpedge_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/pci"
	"github.com/novatrek/support/internal/platform/pci/pcitest"
	"github.com/novatrek/support/internal/platform/problem"
)

// place puts a value in one part of a request the card screen reads.
type place struct {
	name string
	send func(e *edge, v string) answer
}

// places are every part of a request the card screen reads, each holding a value whole.
var places = []place{
	{"Idempotency-Key", func(e *edge, v string) answer {
		return e.do("POST", "/echo", []byte(`{}`), "Idempotency-Key", v)
	}},
	{"X-Request-Id", func(e *edge, v string) answer { return e.do("POST", "/echo", []byte(`{}`), "X-Request-Id", v) }},
	{"another header", func(e *edge, v string) answer { return e.do("POST", "/echo", []byte(`{}`), "X-Partner-Ref", v) }},
	{"a query value", func(e *edge, v string) answer {
		return e.do("POST", "/echo?ref="+url.QueryEscape(v), []byte(`{}`))
	}},
	{"a query name", func(e *edge, v string) answer {
		return e.do("POST", "/echo?"+url.QueryEscape(v)+"=1", []byte(`{}`))
	}},
	{"a body string field", func(e *edge, v string) answer {
		b, _ := json.Marshal(map[string]string{"ref": v})
		return e.do("POST", "/echo", b)
	}},
	{"a body key", func(e *edge, v string) answer {
		b, _ := json.Marshal(map[string]int{v: 1})
		return e.do("POST", "/echo", b)
	}},
	{"a path segment", func(e *edge, v string) answer { return e.do("GET", "/v1/things/"+url.PathEscape(v), nil) }},
}

// TestHexTokensAreNotCardNumbers: the identifiers clients generate — hex digests and random
// bytes hex-encoded (64, 40, 32 characters: the simulator's idempotency keys are 32) and
// UUIDs, with and without dashes — are never refused as card numbers, wherever in a request
// they travel, although about one random hex token in a few thousand starts or ends with a
// Luhn-valid 13–19 digit run that ContainsPAN finds (the soak's 20x day met about 14 of them
// as 400 card-data-refused). The tokens are drawn from a fixed seed; those ContainsPAN flags
// are the ones that matter, and the test needs some. The request id of such a token is kept
// as the caller sent it.
func TestHexTokensAreNotCardNumbers(t *testing.T) {
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
		t.Fatalf("only %d of 120,000 random hex tokens look like card numbers to ContainsPAN; the test needs more", len(flagged)/2)
	}
	var u uuid.UUID
	for range 20 {
		rng.Read(u[:])
		flagged = append(flagged, u.String(), strings.ReplaceAll(u.String(), "-", ""))
	}

	e := newEdge(t, 0)
	for _, p := range places {
		for _, key := range flagged {
			a := p.send(e, key)
			if a.status != http.StatusOK {
				t.Errorf("%s %s: %d %s", p.name, key, a.status, a.body)
			}
			if p.name == "X-Request-Id" && a.header.Get("X-Request-Id") != key {
				t.Errorf("X-Request-Id %s answered as %q", key, a.header.Get("X-Request-Id"))
			}
		}
	}
	if got, want := int(e.reached.Load()), len(places)*len(flagged); got != want {
		t.Errorf("the handler ran %d times for %d requests", got, want)
	}
}

// TestCardNumbersAreRefusedEverywhere: a test card number in any part of a request — bare,
// grouped by spaces or dashes, with a prefix, inside text, glued to a hex string too short
// to be a token — is refused with 400 card-data-refused and never reaches the handler. The
// exemption for hex tokens covers only a value that is wholly one.
func TestCardNumbersAreRefusedEverywhere(t *testing.T) {
	t.Parallel()
	forms := []struct {
		name string
		of   func(pan string) string
	}{
		{"as written", func(pan string) string { return pan }},
		{"with a prefix", func(pan string) string { return "order-" + pan }},
		{"inside text", func(pan string) string { return "ref " + pan + " end" }},
		{"glued to 8 hex after", func(pan string) string { return pan + "deadbeef" }},
		{"glued to 8 hex before", func(pan string) string { return "deadbeef" + pan }},
	}
	e := newEdge(t, 0)
	for _, p := range places {
		for i, pan := range pcitest.PANs {
			for _, f := range forms {
				what := fmt.Sprintf("%s holding test card %d (pcitest.PANs) %s", p.name, i, f.name)
				p.send(e, f.of(pan)).isProblem(t, what, http.StatusBadRequest, problem.TypeCardData)
			}
		}
	}
	if n := e.reached.Load(); n != 0 {
		t.Errorf("the handler ran %d times", n)
	}
}
