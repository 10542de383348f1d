package registry

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/compat"
)

// reservation builds versions of a record com.novatrek.Reservation.
func reservation(fields ...string) string {
	all := append([]string{`{"name":"reservation_id","type":"string"}`}, fields...)
	return `{"type":"record","name":"Reservation","namespace":"com.novatrek","fields":[` + strings.Join(all, ",") + `]}`
}

var (
	resV1      = reservation()
	resV2      = reservation(`{"name":"party_size","type":"int","default":2}`)
	resNoDef   = reservation(`{"name":"party_size","type":"int"}`)
	resV1Fancy = "{\n  \"namespace\": \"com.novatrek\",\n  \"type\": \"record\", \"name\": \"Reservation\",\n  \"fields\": [ {\"type\": \"string\", \"name\": \"reservation_id\"} ]\n}"
)

// start serves a registry over httptest and returns a franz-go client for it.
func start(t *testing.T, cfg Config) (*Registry, *sr.Client, *httptest.Server) {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(srv.Close)
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatalf("sr.NewClient: %v", err)
	}
	return r, cl, srv
}

func avroSchema(text string) sr.Schema { return sr.Schema{Schema: text, Type: sr.TypeAvro} }

func mustRegister(t *testing.T, cl *sr.Client, subject, text string) int {
	t.Helper()
	id, err := cl.RegisterSchema(t.Context(), subject, avroSchema(text), -1, -1)
	if err != nil {
		t.Fatalf("registering under %s: %v", subject, err)
	}
	return id
}

// wantCode asserts err is a registry response with the given Confluent error code.
func wantCode(t *testing.T, err error, code int) *sr.ResponseError {
	t.Helper()
	var re *sr.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want a ResponseError with code %d, got %v", code, err)
	}
	if re.ErrorCode != code {
		t.Fatalf("want error code %d, got %d (%s)", code, re.ErrorCode, re.Message)
	}
	return re
}

var transitive = Config{DefaultCompatibility: compat.BackwardTransitive}
