package fault_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
)

func TestFaultsMapToTheirProblems(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		err    *fault.Error
		status int
		typ    string
	}{
		{"invalid", fault.Invalid("Bad date."), http.StatusBadRequest, problem.TypeValidation},
		{"refused", fault.Refused("payment-declined", "Payment declined", "The card was declined."), http.StatusPaymentRequired, problem.Type("payment-declined")},
		{"refused, generic", fault.Refused("", "Refused", "No."), http.StatusPaymentRequired, problem.Type("refused")},
		{"not found", fault.NotFound("No payment 1."), http.StatusNotFound, problem.TypeNotFound},
		{"conflict", fault.Conflict("invalid-payment-state", "State", "It is voided."), http.StatusConflict, problem.Type("invalid-payment-state")},
		{"conflict, generic", fault.Conflict("", "State", "It is voided."), http.StatusConflict, problem.TypeConflict},
		{"unprocessable", fault.Unprocessable("currency-mismatch", "Currency mismatch", "EUR, not USD."), http.StatusUnprocessableEntity, problem.Type("currency-mismatch")},
		{"unavailable", fault.Unavailable("payment-provider-unavailable", "Down", "Retry."), http.StatusServiceUnavailable, problem.Type("payment-provider-unavailable")},
		{"precondition required", fault.PreconditionRequired("Send If-Match."), http.StatusPreconditionRequired, problem.Type("precondition-required")},
		{"precondition failed", fault.PreconditionFailed("Revision 3 is current."), http.StatusPreconditionFailed, problem.Type("precondition-failed")},
		{"forbidden", fault.Forbidden("share-link-password", "Wrong password", "No."), http.StatusForbidden, problem.Type("share-link-password")},
		{"gone", fault.Gone("", "Gone", "Revoked."), http.StatusGone, problem.Type("gone")},
		{"unknown kind", &fault.Error{Kind: 99, Title: "?"}, http.StatusInternalServerError, problem.TypeInternal},
	} {
		p := c.err.Problem()
		if p.Status != c.status || p.Type != c.typ || c.err.Status() != c.status {
			t.Errorf("%s: problem %d %s, Status() %d; want %d %s", c.name, p.Status, p.Type, c.err.Status(), c.status, c.typ)
		}
		if c.err.Kind != 99 && (p.Title != c.err.Title || p.Detail != c.err.Detail) {
			t.Errorf("%s: title/detail %q/%q; want %q/%q", c.name, p.Title, p.Detail, c.err.Title, c.err.Detail)
		}
	}
}

func TestFaultExtensionsCauseAndRetryAfter(t *testing.T) {
	t.Parallel()
	cause := errors.New("dial tcp: refused")
	f := fault.Unavailable("", "Down", "Retry.").With("provider", "psp").Because(cause)
	if f.RetryAfter != fault.DefaultRetryAfter {
		t.Errorf("RetryAfter %v; want %v", f.RetryAfter, fault.DefaultRetryAfter)
	}
	if p := f.Problem(); p.Extensions["provider"] != "psp" || p.Type != problem.TypeUnavailable {
		t.Errorf("problem %+v; want the extension and the generic unavailable type", p)
	}
	wrapped := fmt.Errorf("deposit: %w", f)
	if !errors.Is(wrapped, cause) {
		t.Error("the cause is not reachable through errors.Is")
	}
	if got, ok := fault.As(wrapped); !ok || got != f {
		t.Errorf("As(wrapped) = %v, %v; want the fault", got, ok)
	}
	if _, ok := fault.As(cause); ok {
		t.Error("As found a fault in a plain error")
	}
	if f.Error() != "Down: Retry.: dial tcp: refused" {
		t.Errorf("Error() = %q", f.Error())
	}
}
