package idempotency

import (
	"context"
	"net/http"
)

// Responder renders an operation's outcome once, for the request that asked for it: inside
// the transaction that commits the outcome, where the rendering is stored as the key's
// response with the effect (Claim.CompleteTx), or after it when no transaction ran (a
// refusal before any write). The client then gets exactly what a retry with the same key
// will replay. T is what the operation hands its finisher (a payment, a refund, …).
type Responder[T any] struct {
	claim  *Claim
	render func(T) Response
	out    *Response
}

// NewResponder returns a Responder for r (its claim, when r carries a key) rendering with
// render.
func NewResponder[T any](r *http.Request, render func(T) Response) *Responder[T] {
	return &Responder[T]{claim: FromContext(r.Context()), render: render}
}

// Finish renders v and, when the request holds a key, stores the rendering through tx, the
// transaction about to commit v. A 5xx rendering is not stored: a retry must run again.
func (rs *Responder[T]) Finish(ctx context.Context, tx Execer, v T) error {
	out := rs.render(v)
	rs.out = &out
	if rs.claim == nil || out.Status >= 500 {
		return nil
	}
	return rs.claim.CompleteTx(ctx, tx, out)
}

// Discard forgets what Finish did: its transaction did not commit.
func (rs *Responder[T]) Discard() {
	rs.out = nil
	if rs.claim != nil {
		rs.claim.Discard()
	}
}

// Write sends the rendered response, rendering v now if no transaction rendered it.
func (rs *Responder[T]) Write(w http.ResponseWriter, v T) {
	if rs.out == nil {
		out := rs.render(v)
		rs.out = &out
	}
	for k, vs := range rs.out.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rs.out.Status)
	w.Write(rs.out.Body)
}
