package event_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/schemas"
)

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// TestCausedBy: an effect shares its cause's flow, names the cause, and continues its trace;
// a cause without a correlation started the flow itself.
func TestCausedBy(t *testing.T) {
	t.Parallel()
	l := event.CausedBy(schemas.EventMetadata{EventID: "e1", CorrelationID: "flow"},
		kgo.RecordHeader{Key: "other", Value: []byte("x")}, kgo.RecordHeader{Key: "traceparent", Value: []byte(traceparent)})
	if l.Correlation != "flow" || l.Causation == nil || *l.Causation != "e1" || l.Traceparent != traceparent {
		t.Errorf("got %+v", l)
	}
	l = event.CausedBy(schemas.EventMetadata{EventID: "e2"}, kgo.RecordHeader{Key: "traceparent", Value: []byte("garbage")})
	if l.Correlation != "e2" || *l.Causation != "e2" || l.Traceparent != "" {
		t.Errorf("got %+v", l)
	}
}

// TestFromRequest reads the lineage headers and ignores malformed ones.
func TestFromRequest(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/v1/x", nil)
	r.Header.Set("X-Correlation-Id", "9F1C4A2E-6B7D-4E8F-9A0B-1C2D3E4F5A6B")
	r.Header.Set("X-Request-Id", "req-42")
	r.Header.Set("traceparent", traceparent)
	l := event.FromRequest(r)
	if l.Correlation != "9f1c4a2e-6b7d-4e8f-9a0b-1c2d3e4f5a6b" || l.Causation == nil || *l.Causation != "req-42" || l.Traceparent != traceparent {
		t.Errorf("got %+v", l)
	}
	bad := httptest.NewRequest("POST", "/v1/x", nil)
	bad.Header.Set("X-Correlation-Id", "not-a-uuid")
	bad.Header.Set("X-Request-Id", "has spaces")
	bad.Header.Set("traceparent", "00-xyz")
	if l := event.FromRequest(bad); l.Correlation != "" || l.Causation != nil || l.Traceparent != "" {
		t.Errorf("malformed headers read as %+v", l)
	}
}

// TestContextCarriesLineage: what With stores, From returns; a bare context has none.
func TestContextCarriesLineage(t *testing.T) {
	t.Parallel()
	if _, ok := event.From(context.Background()); ok {
		t.Error("lineage found in a bare context")
	}
	ctx := event.With(context.Background(), event.Lineage{Correlation: "flow"})
	if l, ok := event.From(ctx); !ok || l.Correlation != "flow" {
		t.Errorf("got %+v, %v", l, ok)
	}
}
