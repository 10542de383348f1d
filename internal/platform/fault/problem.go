package fault

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/problem"
)

// kinds maps each kind to its status and the generic problem type of an empty slug.
var kinds = map[Kind]struct {
	status int
	typ    string
}{
	KindInvalid:              {http.StatusBadRequest, problem.TypeValidation},
	KindRefused:              {http.StatusPaymentRequired, problem.Type("refused")},
	KindNotFound:             {http.StatusNotFound, problem.TypeNotFound},
	KindConflict:             {http.StatusConflict, problem.TypeConflict},
	KindUnprocessable:        {http.StatusUnprocessableEntity, problem.TypeUnprocessable},
	KindUnavailable:          {http.StatusServiceUnavailable, problem.TypeUnavailable},
	KindPreconditionRequired: {http.StatusPreconditionRequired, problem.Type("precondition-required")},
	KindPreconditionFailed:   {http.StatusPreconditionFailed, problem.Type("precondition-failed")},
	KindForbidden:            {http.StatusForbidden, problem.Type("forbidden")},
	KindGone:                 {http.StatusGone, problem.Type("gone")},
}

// Status is the HTTP status of e's kind; 500 for a kind this package does not define.
func (e *Error) Status() int {
	if k, ok := kinds[e.Kind]; ok {
		return k.status
	}
	return http.StatusInternalServerError
}

// Problem is e as the problem the API answers: status by kind, type from the slug (or the
// kind's generic type), title, detail and extensions as given. The cause is left out.
func (e *Error) Problem() *problem.Problem {
	k, ok := kinds[e.Kind]
	if !ok {
		return problem.New(http.StatusInternalServerError, problem.TypeInternal, "Internal error", "The error was logged.")
	}
	typ := k.typ
	if e.Slug != "" {
		typ = problem.Type(e.Slug)
	}
	p := problem.New(k.status, typ, e.Title, e.Detail)
	for key, v := range e.Extensions {
		p.With(key, v)
	}
	return p
}
