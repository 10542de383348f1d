package event

import (
	"context"
	"net/http"
	"regexp"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/schemas"
)

// Lineage is what an event inherits from its cause: the flow's correlation id, the id of the
// causing event or request, and the W3C trace context to copy into the record headers.
type Lineage struct {
	Correlation string
	Causation   *string
	Traceparent string
}

// TraceparentHeader is the W3C trace-context header, on HTTP requests and Kafka records alike.
const TraceparentHeader = "traceparent"

// CausedBy is the lineage of an event caused by the event m: same correlation (m's own id when
// m has none), causation m's id, and the traceparent header among headers (the inbound record's).
func CausedBy(m schemas.EventMetadata, headers ...kgo.RecordHeader) Lineage {
	id := m.EventID
	l := Lineage{Correlation: m.CorrelationID, Causation: &id}
	if l.Correlation == "" {
		l.Correlation = m.EventID
	}
	for _, h := range headers {
		if h.Key == TraceparentHeader && traceparentPattern.Match(h.Value) {
			l.Traceparent = string(h.Value)
		}
	}
	return l
}

var (
	requestIDPattern   = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)
	traceparentPattern = regexp.MustCompile(`^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)
)

// FromRequest reads an API call's lineage headers: X-Correlation-Id when it is a UUID, X-Request-Id
// (the events' causation id) and traceparent. Malformed values are ignored: a caller's bad header
// must not fail its request, and must not reach an event either. An empty Correlation leaves the
// choice to the producer (a new flow, or the flow of the entity the call acts on).
func FromRequest(r *http.Request) Lineage {
	var l Lineage
	if id, err := uuid.Parse(r.Header.Get("X-Correlation-Id")); err == nil {
		l.Correlation = id.String()
	}
	if rid := r.Header.Get("X-Request-Id"); requestIDPattern.MatchString(rid) {
		l.Causation = &rid
	}
	if tp := r.Header.Get(TraceparentHeader); traceparentPattern.MatchString(tp) {
		l.Traceparent = tp
	}
	return l
}

type lineageKey struct{}

// With returns ctx carrying l, for the events produced while handling ctx's work.
func With(ctx context.Context, l Lineage) context.Context {
	return context.WithValue(ctx, lineageKey{}, l)
}

// From returns the lineage With put in ctx, if any.
func From(ctx context.Context) (Lineage, bool) {
	l, ok := ctx.Value(lineageKey{}).(Lineage)
	return l, ok
}
