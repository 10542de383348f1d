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
	deferUntil                                                                   *time.Time
}

// handle delivers one job. It holds the row lock for the whole attempt, so duplicate jobs
// of one row run one after the other and the second sees the first's outcome.
func (d *Delivery) handle(msg *message.Message) error {
	ctx := msg.Context()
	id, err := uuid.ParseBytes(msg.Payload)
	if err != nil {
		return fmt.Errorf("%w: payload is not a notification id", errPoison)
	}
	tx, err := d.cfg.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin delivery of %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var n notification
	err = tx.QueryRow(ctx, `SELECT id::text, source_event_id::text, kind, recipient, recipient_type, channel,
		priority, status, request_id::text, recipient_id, address, subject, body, html, defer_until
		FROM notifications.notifications WHERE id = $1 FOR UPDATE`, id).Scan(&n.id, &n.sourceEventID, &n.kind,
		&n.recipient, &n.recipientType, &n.channel, &n.priority, &n.status, &n.requestID, &n.recipientID,
		&n.address, &n.subject, &n.body, &n.html, &n.deferUntil)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: notification %s does not exist", errPoison, id)
	}
	if err != nil {
		return fmt.Errorf("load notification %s: %w", id, err)
	}
	switch {
	case n.status != "queued" && n.status != "pending" && n.status != "deferred":
		return nil // sent, delivered, failed or suppressed: a duplicate job
	case n.deferUntil != nil && n.deferUntil.After(time.Now()) && n.status == "deferred":
		return nil // not due; the dispatcher publishes it again when it is
	}
	sender := d.senders[provider.Channel(n.channel)]
	if sender == nil {
		return fmt.Errorf("%w: no sender for channel %s", errPoison, n.channel)
	}
	retryErr, err := d.deliver(ctx, tx, sender, &n)
	if err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit delivery of %s: %w", id, err)
	}
	if retryErr != nil {
		d.waitRetryAfter(ctx, retryErr)
	}
	return retryErr
}

// deliver sends n to each of its addresses not yet served, logging every attempt in tx. It
// returns the retryable failure (with tx still to commit: the attempts and any member
// already served must stay recorded), or err when tx must roll back.
func (d *Delivery) deliver(ctx context.Context, tx pgx.Tx, sender provider.Sender, n *notification) (retry, err error) {
	addrs, err := d.addresses(ctx, n)
	if errors.Is(err, ErrUnknownRecipient) {
		if err := d.logAttempt(ctx, tx, n.id, sender.Name(), "failed", "", err); err != nil {
			return nil, err
		}
		return nil, d.finish(ctx, tx, n, sender.Name(), "failed", "", err)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve recipients of %s: %w", n.id, err)
	}
	served := map[string]bool{}
	rows, err := tx.Query(ctx, `SELECT member FROM notifications.delivery_members WHERE notification_id = $1`, n.id)
	if err != nil {
		return nil, fmt.Errorf("read served members of %s: %w", n.id, err)
	}
	members, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read served members of %s: %w", n.id, err)
	}
	for _, m := range members {
		served[m] = true
	}
	group := strings.HasPrefix(n.recipient, "group:")
	var lastID string
	var permanent error
	accepted := 0
	for _, a := range addrs {
		if served[a.Member] {
			accepted++
			continue
		}
		mid := n.id
		if group {
			mid = n.id + "/" + a.Member
		}
		res, sendErr := sender.Send(ctx, provider.Message{ID: mid, To: a.To, ToName: a.Name, Subject: n.subject,
			Body: n.body, HTML: n.html, Urgent: n.priority == "emergency"})
		if errors.Is(sendErr, ErrCircuitOpen) {
			return sendErr, nil // not an attempt: the provider was not called
		}
		status := "sent"
		switch {
		case sendErr == nil:
		case provider.IsPermanent(sendErr):
			status, permanent = "failed", sendErr
		default:
			status = "retry"
		}
		if err := d.logAttempt(ctx, tx, n.id, sender.Name(), status, res.ID, sendErr); err != nil {
			return nil, err
		}
		if status == "retry" {
			return sendErr, nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notifications.delivery_members (notification_id, member, provider_message_id)
			VALUES ($1, $2, $3)`, n.id, a.Member, res.ID); err != nil {
			return nil, fmt.Errorf("record member %s of %s: %w", a.Member, n.id, err)
		}
		if sendErr == nil {
			accepted++
			lastID = res.ID
		}
	}
	if accepted == 0 && permanent != nil {
		return nil, d.finish(ctx, tx, n, sender.Name(), "failed", "", permanent)
	}
	return nil, d.finish(ctx, tx, n, sender.Name(), "sent", lastID, nil)
}

// addresses are where n goes: its own address, or what the Directory says.
func (d *Delivery) addresses(ctx context.Context, n *notification) ([]Address, error) {
	if n.address != nil && *n.address != "" && !strings.HasPrefix(n.recipient, "group:") {
		return []Address{{Member: n.recipient, To: *n.address}}, nil
	}
	return d.cfg.Directory.Resolve(ctx, n.recipient, provider.Channel(n.channel))
}

func (d *Delivery) logAttempt(ctx context.Context, tx pgx.Tx, id, prov, status, providerID string, sendErr error) error {
	var code, text *string
	if sendErr != nil {
		t := sendErr.Error()
		if len(t) > DefaultMaxFailureTextBytes {
			t = t[:DefaultMaxFailureTextBytes]
		}
		text = &t
		if perr, ok := provider.ProviderError(sendErr); ok {
			c := perr.Code
			if c == "" {
				c = fmt.Sprint(perr.StatusCode)
			}
			code = &c
		}
	}
	var pid *string
	if providerID != "" {
		pid = &providerID
	}
	_, err := tx.Exec(ctx, `INSERT INTO notifications.delivery_log (notification_id, attempt, provider, status,
		provider_message_id, error_code, error)
		SELECT $1, count(*) + 1, $2, $3, $4, $5, $6 FROM notifications.delivery_log WHERE notification_id = $1`,
		id, prov, status, pid, code, text)
	if err != nil {
		return fmt.Errorf("log delivery attempt of %s: %w", id, err)
	}
	return nil
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
