package procurement

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/idempotency"
)

// finisher runs last inside the transaction that commits a write, with what it wrote. The
// API's finisher stores the response as the Idempotency-Key's answer there, so the change and
// its replayable answer commit together: a retry after a crash between the two replays the
// answer instead of writing a second order or adjustment.
type finisher[T any] func(ctx context.Context, tx pgx.Tx, v T) error

func (f finisher[T]) call(ctx context.Context, tx pgx.Tx, v T) error {
	if f == nil {
		return nil
	}
	return f(ctx, tx, v)
}

// responder renders V with status (and Location from location, when given) as the key's
// response; view turns the written T into V inside the transaction. Write sends what was
// stored, or renders the view of a write that stored nothing.
type responder[T, V any] struct {
	rs   *idempotency.Responder[V]
	view func(ctx context.Context, tx pgx.Tx, v T) (V, error)
	last V
}

func newResponder[T, V any](r *http.Request, status int, location func(V) string,
	view func(ctx context.Context, tx pgx.Tx, v T) (V, error)) *responder[T, V] {
	render := func(v V) idempotency.Response {
		body, _ := json.Marshal(v)
		h := http.Header{"Content-Type": {"application/json"}}
		if location != nil {
			h.Set("Location", location(v))
		}
		return idempotency.Response{Status: status, Header: h, Body: append(body, '\n')}
	}
	return &responder[T, V]{rs: idempotency.NewResponder(r, render), view: view}
}

// finish is the finisher storing the view of what the transaction wrote.
func (p *responder[T, V]) finish(ctx context.Context, tx pgx.Tx, v T) error {
	view, err := p.view(ctx, tx, v)
	if err != nil {
		return err
	}
	p.last = view
	return p.rs.Finish(ctx, tx, view)
}

// write sends the response after the write committed, or forgets the stored one when err
// says it did not (the edge then answers the error).
func (p *responder[T, V]) write(w http.ResponseWriter, err error) error {
	if err != nil {
		p.rs.Discard()
		return err
	}
	p.rs.Write(w, p.last)
	return nil
}
