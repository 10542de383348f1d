package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/novatrek/support/internal/platform/serde"
)

func TestClassify(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("insert: %w", &pgconn.PgError{Code: code}) }
	for _, c := range []struct {
		name string
		err  error
		want Kind
	}{
		{"permanent mark", Permanent(errors.New("no such trip")), KindPermanent},
		{"transient mark", Transient(errors.New("provider 503")), KindTransient},
		{"permanent mark wins over a network error inside", Permanent(io.EOF), KindPermanent},
		{"malformed", fmt.Errorf("decode: %w", serde.ErrMalformed), KindMalformed},
		{"unknown schema", fmt.Errorf("decode: %w", serde.ErrUnknownSchema), KindUnknownSchema},
		{"incompatible", fmt.Errorf("decode: %w", serde.ErrIncompatible), KindIncompatible},
		{"registry down", fmt.Errorf("decode: %w", serde.ErrRegistry), KindTransient},
		{"check violation", pg("23514"), KindPermanent},
		{"unique violation", pg("23505"), KindPermanent},
		{"invalid text representation", pg("22P02"), KindPermanent},
		{"serialization failure", pg("40001"), KindTransient},
		{"deadlock", pg("40P01"), KindTransient},
		{"lock not available", pg("55P03"), KindTransient},
		{"admin shutdown", pg("57P01"), KindTransient},
		{"cannot connect now", pg("57P03"), KindTransient},
		{"too many connections", pg("53300"), KindTransient},
		{"connection failure", pg("08006"), KindTransient},
		{"undefined column: a deploy problem", pg("42703"), KindTransient},
		{"raise exception", pg("P0001"), KindUnclassified},
		{"cardinality violation", pg("21000"), KindUnclassified},
		{"connection refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, KindTransient},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), KindTransient},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), KindTransient},
		{"timeout", context.DeadlineExceeded, KindTransient},
		{"connect error", &pgconn.ConnectError{}, KindTransient},
		{"plain error", errors.New("something odd"), KindUnclassified},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := classify(c.err); got != c.want {
				t.Errorf("classify(%v) = %q, want %q", c.err, got, c.want)
			}
		})
	}
	if Permanent(nil) != nil || Transient(nil) != nil {
		t.Error("marking nil must stay nil")
	}
}

func TestStoreErrorKind(t *testing.T) {
	for _, c := range []struct {
		op   string
		err  error
		want Kind
	}{
		{"claim", errors.New("odd"), KindTransient},
		{"claim", &pgconn.PgError{Code: "23505"}, KindTransient},  // never a record's fault
		{"commit", &pgconn.PgError{Code: "23503"}, KindPermanent}, // a deferred FK a handler broke
		{"commit", errors.New("odd"), KindTransient},
	} {
		if got := (&storeError{c.op, c.err}).kind(); got != c.want {
			t.Errorf("%s %v: kind %q, want %q", c.op, c.err, got, c.want)
		}
	}
}
