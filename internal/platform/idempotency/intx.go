package idempotency

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// RequiredInTx is Required for handlers that commit their whole effect in one transaction
// and store their answer there (Responder.Finish, Claim.CompleteTx): the key is not
// claimed in a commit of its own before the handler runs but recorded, answered, in the
// handler's transaction, so a keyed write costs one commit instead of two.
//
// A key already answered is replayed, and a key used for another request refused, after a
// read that commits nothing. Two concurrent requests with one new key both run; the
// second's record of the key waits for the first's commit, finds the key and fails, so its
// transaction rolls back and it is answered 409 (its retry gets the replay): one effect.
// Nothing is held while the handler runs, so a crash leaves no claim to wait out. A 2xx
// the handler did not store in its transaction is stored after it (a second commit), as
// Required does; any other answer stores nothing.
func (k *Keeper) RequiredInTx(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, ok := k.request(w, r, true)
		if !ok {
			return
		}
		out, stored, err := k.lookup(r.Context(), req)
		if err != nil {
			unavailable(k, w, r, err)
			return
		}
		if answered(w, r, out, stored) {
			return
		}
		claim := &Claim{k: k, caller: req.caller, key: req.key, attempts: 1, inTx: true, fp: req.fp,
			method: r.Method, path: r.URL.Path}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(withClaim(r.Context(), claim)))
		if claim.storedStatus == rec.status || rec.status >= 300 {
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		resp := Response{Status: rec.status, Header: rec.Header(), Body: rec.body.Bytes()}
		if err := claim.recordTx(ctx, k.cfg.Pool, resp); err != nil {
			k.cfg.Logger.ErrorContext(ctx, "storing the idempotent response failed", "err", err)
		}
	})
}

// lookup reads the key: acquired when it is new (nothing is claimed), else what claim
// would answer (inProgress: claimed by a Required route's request).
func (k *Keeper) lookup(ctx context.Context, req *keyedRequest) (outcome, *Response, error) {
	out, stored, found, err := k.existing(ctx, req.caller, req.key, req.fp)
	if err != nil || !found {
		return acquired, nil, err
	}
	return out, stored, nil
}

// recordTx inserts the key with its answer through tx; a key there already (another
// request committed it first) is the 409 of a key in use.
func (c *Claim) recordTx(ctx context.Context, tx Execer, resp Response) error {
	now := c.k.cfg.Now()
	tag, err := tx.Exec(ctx, `INSERT INTO `+c.k.table+` (caller, key, request_hash, method, path, response_status,
			response_headers, response_body, created_at, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		ON CONFLICT (caller, key) DO NOTHING`,
		c.caller, c.key, c.fp, c.method, c.path, resp.Status, marshalHeaders(resp.Header), resp.Body, now)
	if err != nil {
		return fmt.Errorf("idempotency: record key with its response: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errInUse
	}
	c.storedStatus = resp.Status
	return nil
}
