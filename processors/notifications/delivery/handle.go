package delivery

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/processors/notifications/provider"
)

// notification is the part of a row a job needs.
type notification struct {
	id, sourceEventID, kind, recipient, recipientType, channel, priority, status string
	requestID, recipientID, address                                              *string
	subject, body, html                                                          string
}

// errLeased marks a job whose row another worker is delivering right now (a duplicate job,
// or a job whose lease ran out and was taken over): it is not retried in process; settle
// defers the row until that lease ends and acknowledges the job.
var errLeased = errors.New("notification is being delivered by another worker")

// Stages of a job at which Config.hook runs.
const (
	stageTaken  = "taken"  // the job is in hand, the row not leased yet
	stageLeased = "leased" // the row is leased, the provider not called yet
)

// handle delivers one job in three steps, so that no transaction or connection is held
// across the provider call: claim leases the row (lease_owner, lease_until) and commits;
// deliver calls the provider; record writes the attempts and the outcome and releases the
// lease, in one transaction that changes the row only while the lease is still ours.
//
// The provider calls get the job's time minus recordBudget, and record runs on a context
// of its own (not cancelled with the job) bounded by recordBudget, so an outcome is
// recorded even when the job's time or the worker's subscription ends during the call.
// A failure returned here is settled by the settle middleware (settle.go): the row is
// deferred and the job acknowledged.
func (d *Delivery) handle(msg *message.Message) error {
	ctx := msg.Context()
	id, err := uuid.ParseBytes(msg.Payload)
	if err != nil {
		d.metrics.delivered("", "", "poison")
		return fmt.Errorf("%w: payload is not a notification id", errPoison)
	}
	if err := d.atStage(ctx, stageTaken); err != nil {
		return err
	}
	n, sender, served, lease, err := d.claim(ctx, id.String())
	if errors.Is(err, errPoison) {
		d.metrics.delivered("", "", "poison")
	}
	if err != nil || n == nil {
		return err
	}
	if err := d.atStage(ctx, stageLeased); err != nil {
		return err // a dead worker: the lease stays until it expires
	}
	sendCtx, cancelSend := d.sendContext(ctx)
	out, err := d.deliver(sendCtx, sender, n, served)
	cancelSend()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.recordBudget())
	defer cancel()
	if err == nil {
		err = d.record(rctx, n, sender.Name(), lease, out)
	}
	if err != nil {
		d.release(rctx, n.id, lease)
		return err
	}
	for _, a := range out.attempts {
		d.metrics.delivered(n.channel, sender.Name(), a.status)
	}
	if out.retry != nil {
		d.waitRetryAfter(ctx, out.retry)
	}
	return out.retry
}

// atStage runs Config.hook (tests only).
func (d *Delivery) atStage(ctx context.Context, stage string) error {
	if d.cfg.hook == nil {
		return nil
	}
	return d.cfg.hook(ctx, stage)
}

// recordBudget is the part of HandlerTimeout kept for recording a job's outcome: a sixth
// of it, at most 5s (one record is three round trips; 5s is far above a loaded database's).
func (d *Delivery) recordBudget() time.Duration { return min(5*time.Second, d.cfg.HandlerTimeout/6) }

// sendContext is ctx ending recordBudget before ctx's deadline: provider calls never eat
// the time record needs.
func (d *Delivery) sendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-d.recordBudget()))
}

// claimSQL reads the row under its lock and says whether it is leased by a live lease and
// whether it is deferred and not due yet (both by the database's clock).
const claimSQL = `SELECT id::text, source_event_id::text, kind, recipient, recipient_type, channel,
	priority, status, request_id::text, recipient_id, address, subject, body, html,
	coalesce(lease_until > now(), false), coalesce(status = 'deferred' AND defer_until > now(), false)
	FROM notifications.notifications WHERE id = $1 FOR UPDATE`

// leaseSQL takes the lease in the same cases as claim's checks let a job deliver: a row not
// finished, due, under no live lease and on a channel with a Sender ($4).
const leaseSQL = `UPDATE notifications.notifications SET lease_owner = $2, lease_until = now() + $3::interval
	WHERE id = $1 AND status IN ('queued', 'pending', 'deferred')
	AND NOT coalesce(status = 'deferred' AND defer_until > now(), false)
	AND NOT coalesce(lease_until > now(), false) AND channel = ANY($4::text[])`

// claim loads row id and leases it to this job. It returns a nil notification when the job
// has nothing to do (the row is finished, or deferred and not due).
//
// It is one round trip: the lock, the lease and the served members are one pipelined batch
// in the batch's implicit transaction (each statement with its own read committed
// snapshot, taken after the row lock is held, as three separate statements would). With
// providers answering in 20 ms the delivery stage is bound by the database's CPU, which
// goes mostly to per-statement round trips; see the package README's Speed section.
func (d *Delivery) claim(ctx context.Context, id string) (*notification, provider.Sender, map[string]bool, string, error) {
	lease := uuid.NewString()
	b := &pgx.Batch{}
	b.Queue(claimSQL, id)
	b.Queue(leaseSQL, id, lease, d.leaseFor().String(), d.channels)
	b.Queue(`SELECT member FROM notifications.delivery_members WHERE notification_id = $1`, id)
	br := d.cfg.Pool.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()

	var n notification
	var leased, notDue bool
	err := br.QueryRow().Scan(&n.id, &n.sourceEventID, &n.kind, &n.recipient, &n.recipientType, &n.channel,
		&n.priority, &n.status, &n.requestID, &n.recipientID, &n.address, &n.subject, &n.body, &n.html,
		&leased, &notDue)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, nil, "", fmt.Errorf("%w: notification %s does not exist", errPoison, id)
	}
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("load notification %s: %w", id, err)
	}
	tag, err := br.Exec()
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("lease notification %s: %w", id, err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("read served members of %s: %w", id, err)
	}
	members, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("read served members of %s: %w", id, err)
	}
	if err := br.Close(); err != nil { // the implicit transaction's commit
		return nil, nil, nil, "", fmt.Errorf("commit claim of %s: %w", id, err)
	}
	switch {
	case n.status != "queued" && n.status != "pending" && n.status != "deferred":
		return nil, nil, nil, "", nil // sent, delivered, failed or suppressed: a duplicate job
	case notDue:
		return nil, nil, nil, "", nil // not due; the dispatcher publishes it again when it is
	case leased:
		return nil, nil, nil, "", fmt.Errorf("%w: %s", errLeased, id)
	}
	sender := d.senders[provider.Channel(n.channel)]
	if sender == nil {
		return nil, nil, nil, "", fmt.Errorf("%w: no sender for channel %s", errPoison, n.channel)
	}
	if tag.RowsAffected() != 1 { // cannot happen while the checks above match leaseSQL's
		return nil, nil, nil, "", fmt.Errorf("lease notification %s: the row was not leased", id)
	}
	served := make(map[string]bool, len(members))
	for _, m := range members {
		served[m] = true
	}
	return &n, sender, served, lease, nil
}

// leaseFor is how long a claim holds its row: HandlerTimeout, which bounds the job's
// provider calls and its record (recordBudget), plus a margin for the clocks of the
// worker and the database, so a live worker never loses its lease.
func (d *Delivery) leaseFor() time.Duration { return d.cfg.HandlerTimeout + 2*time.Second }

// release drops this job's lease after a failure, so the job's retry can take the row again.
func (d *Delivery) release(ctx context.Context, id, lease string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := d.cfg.Pool.Exec(ctx, `UPDATE notifications.notifications SET lease_owner = NULL,
		lease_until = NULL WHERE id = $1 AND lease_owner = $2`, id, lease); err != nil {
		d.cfg.Logger.WarnContext(ctx, "releasing notification lease; it expires on its own", "id", id, "err", err)
	}
}

// attempt is one provider call (or the decision not to make one) to record.
type attempt struct {
	member, status, providerID string
	err                        error
	// serve records member in delivery_members (the provider accepted or refused it for good).
	serve bool
}

// outcome is what deliver did: the attempts, then either a retryable failure (the attempts
// and served members are recorded, the status is not) or the final status.
type outcome struct {
	attempts       []attempt
	retry          error
	final, finalID string
	cause          error
}

// deliver sends n to each of its addresses not yet served, with no transaction open. It
// returns err only when nothing was sent and the job must simply fail (the lease is released).
func (d *Delivery) deliver(ctx context.Context, sender provider.Sender, n *notification, served map[string]bool) (outcome, error) {
	var out outcome
	addrs, err := d.addresses(ctx, n)
	if errors.Is(err, ErrUnknownRecipient) {
		out.attempts = append(out.attempts, attempt{status: "failed", err: err})
		out.final, out.cause = "failed", err
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("resolve recipients of %s: %w", n.id, err)
	}
	group := strings.HasPrefix(n.recipient, "group:")
	var permanent error
	accepted := 0
	for _, a := range addrs {
		if served[a.Member] {
			accepted++
			continue
		}
		if err := ctx.Err(); err != nil { // the job's time for provider calls is up
			out.retry = &provider.Retryable{Err: fmt.Errorf("no time left to call the provider: %w", err)}
			return out, nil
		}
		// One provider message per member: a group's members and a person's several
		// devices each get their own reference.
		mid := n.id
		if group || a.Member != n.recipient {
			mid = n.id + "/" + a.Member
		}
		res, sendErr := sender.Send(ctx, provider.Message{ID: mid, To: a.To, ToName: a.Name, Subject: n.subject,
			Body: n.body, HTML: n.html, Urgent: n.priority == "emergency"})
		if errors.Is(sendErr, ErrCircuitOpen) {
			out.retry = sendErr // not an attempt: the provider was not called
			return out, nil
		}
		status := "sent"
		switch {
		case sendErr == nil:
		case provider.IsPermanent(sendErr):
			status, permanent = "failed", sendErr
			if errors.Is(sendErr, provider.ErrAddressGone) {
				d.forget(ctx, n, a)
			}
		default:
			status = "retry"
		}
		out.attempts = append(out.attempts, attempt{member: a.Member, status: status, providerID: res.ID,
			err: sendErr, serve: status != "retry"})
		if status == "retry" {
			out.retry = sendErr
			return out, nil
		}
		if sendErr == nil {
			accepted++
			out.finalID = res.ID
		}
	}
	if accepted == 0 && permanent != nil {
		out.final, out.finalID, out.cause = "failed", "", permanent
		return out, nil
	}
	out.final = "sent"
	return out, nil
}

// forget tells a Forgetter directory that a's address is gone.
func (d *Delivery) forget(ctx context.Context, n *notification, a Address) {
	f, ok := d.cfg.Directory.(Forgetter)
	if !ok {
		return
	}
	if err := f.Forget(ctx, n.recipient, provider.Channel(n.channel), a); err != nil {
		d.cfg.Logger.WarnContext(ctx, "forgetting an address the provider says is gone", "notification", n.id,
			"member", a.Member, "err", err)
	}
}

// unfinished lists the statuses a job may still move forward from.
const unfinished = `('queued', 'pending', 'deferred')`

// finishSQL releases the lease and sets the final status ($3, reason $4) only if the row
// is still unfinished: a provider callback may have got there first (the fakes, and real
// providers, can report "delivered" before record runs), and a status never goes back.
// It returns the status the row had; no row means the lease is no longer ours.
const finishSQL = `WITH o AS (SELECT status AS was FROM notifications.notifications
		WHERE id = $1 AND lease_owner = $2 FOR UPDATE)
	UPDATE notifications.notifications n SET lease_owner = NULL, lease_until = NULL,
		status = CASE WHEN o.was IN ` + unfinished + ` THEN $3 ELSE n.status END,
		status_reason = CASE WHEN o.was IN ` + unfinished + ` THEN $4 ELSE n.status_reason END,
		defer_until = CASE WHEN o.was IN ` + unfinished + ` THEN NULL ELSE n.defer_until END,
		updated_at = now()
	FROM o WHERE n.id = $1 RETURNING o.was`

// releaseSQL releases the lease of a row left unfinished (a retryable failure).
const releaseSQL = `UPDATE notifications.notifications SET lease_owner = NULL, lease_until = NULL
	WHERE id = $1 AND lease_owner = $2 RETURNING status`

// record writes out's attempts, served members and final status (with its event), and
// releases the lease, in one transaction.
//
// The attempts are written whatever happened to the lease: a provider call that was made
// is always in delivery_log. The status and its event are written only while the lease is
// ours and the row unfinished; a lease lost to another worker (ours expired) returns an
// errLeased error after the attempts are committed.
//
// The begin, the lease release (with the final status), the attempts, the members and the
// attempt count go in one pipelined batch; the status event, which needs that count, and
// the commit follow: three round trips for a finished row, two for a retry.
func (d *Delivery) record(ctx context.Context, n *notification, prov, lease string, out outcome) error {
	final := out.retry == nil && out.final != ""
	reason := ""
	if final && out.cause != nil {
		reason = truncate(out.cause.Error())
	}
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	if final {
		b.Queue(finishSQL, n.id, lease, out.final, reason)
	} else {
		b.Queue(releaseSQL, n.id, lease)
	}
	for _, a := range out.attempts {
		d.queueAttempt(b, n.id, prov, a)
	}
	var attempts int
	if final {
		b.Queue(`SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1`, n.id).
			QueryRow(func(r pgx.Row) error { return r.Scan(&attempts) })
	}
	br := d.cfg.Pool.SendBatch(ctx, b)
	tx := br.Tx()
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := br.Exec(); err != nil { // BEGIN
		_ = br.Close()
		return fmt.Errorf("begin recording delivery of %s: %w", n.id, err)
	}
	var was string
	owned := true
	if err := br.QueryRow().Scan(&was); errors.Is(err, pgx.ErrNoRows) {
		owned = false
	} else if err != nil {
		_ = br.Close()
		return fmt.Errorf("release lease of %s: %w", n.id, err)
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("record delivery of %s: %w", n.id, err)
	}
	advanced := owned && (was == "queued" || was == "pending" || was == "deferred")
	if final && advanced {
		if err := d.enqueueStatus(ctx, tx, n, out.final, out.finalID, reason, out.cause, attempts); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit delivery of %s: %w", n.id, err)
	}
	if !owned {
		return fmt.Errorf("%w: record delivery of %s: the lease expired and was taken over; %d attempts logged",
			errLeased, n.id, len(out.attempts))
	}
	return nil
}

// addresses are where n goes: its own address, or what the Directory says.
func (d *Delivery) addresses(ctx context.Context, n *notification) ([]Address, error) {
	if n.address != nil && *n.address != "" && !strings.HasPrefix(n.recipient, "group:") {
		return []Address{{Member: n.recipient, To: *n.address}}, nil
	}
	return d.cfg.Directory.Resolve(ctx, n.recipient, provider.Channel(n.channel))
}

// queueAttempt queues a's delivery_log row (numbered after the ones before it: the batch's
// statements run in order in one transaction) and, when a is served, its delivery_members row.
func (d *Delivery) queueAttempt(b *pgx.Batch, id, prov string, a attempt) {
	var code, text *string
	if a.err != nil {
		t := truncate(a.err.Error())
		text = &t
		if perr, ok := provider.ProviderError(a.err); ok {
			c := perr.Code
			if c == "" {
				c = fmt.Sprint(perr.StatusCode)
			}
			code = &c
		}
	}
	var pid *string
	if a.providerID != "" {
		pid = &a.providerID
	}
	b.Queue(`INSERT INTO notifications.delivery_log (notification_id, attempt, provider, status,
		provider_message_id, error_code, error)
		SELECT $1, count(*) + 1, $2, $3, $4, $5, $6 FROM notifications.delivery_log WHERE notification_id = $1`,
		id, prov, a.status, pid, code, text)
	if a.serve {
		// A worker whose lease was taken over records its members too; the new owner may
		// have recorded the same member first.
		b.Queue(`INSERT INTO notifications.delivery_members (notification_id, member, provider_message_id)
			VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, a.member, a.providerID)
	}
}

// truncate bounds a failure text to DefaultMaxFailureTextBytes.
func truncate(s string) string {
	if len(s) > DefaultMaxFailureTextBytes {
		return s[:DefaultMaxFailureTextBytes]
	}
	return s
}

// waitRetryAfter holds the worker for the provider's Retry-After (capped at MaxRetryAfter,
// plus up to 10% jitter) before the Retry middleware's own backoff starts.
func (d *Delivery) waitRetryAfter(ctx context.Context, err error) {
	after, ok := provider.RetryAfter(err)
	if !ok || after <= 0 {
		return
	}
	after = min(after, d.cfg.MaxRetryAfter)
	after += time.Duration(rand.Int64N(int64(after)/10 + 1))
	t := time.NewTimer(after)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
