package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// callbacks applies provider status callbacks.
type callbacks struct {
	pool *pgxpool.Pool
	emit *intake.Emitter
	log  *slog.Logger
	now  func() time.Time
	// wait is how long a callback about a message in flight is held (applyWaiting);
	// 0 means DefaultCallbackWait.
	wait time.Duration
}

// rowStatus maps a provider status to the notification's status; "" leaves it as it is
// (a provider-side deferral is not our deferred, which has a defer_until).
func rowStatus(s provider.Status) string {
	switch s {
	case provider.StatusQueued, provider.StatusSent:
		return "sent"
	case provider.StatusDelivered, provider.StatusOpened:
		return "delivered"
	case provider.StatusBounced, provider.StatusDropped, provider.StatusFailed:
		return "failed"
	}
	return ""
}

// errInFlight means a callback is about a message of ours (its notification exists) whose
// send the delivery stage has not recorded yet: the provider answered our send and called
// back before the worker's record committed. The webhook answers 503 so the provider
// retries it (SendGrid retries any non-2xx for up to 24 hours; Twilio retries on 5xx only
// when the StatusCallback URL asks for it with a connection override such as #rp=5xx):
// answering 204 would lose the status.
var errInFlight = errors.New("callback for a message whose send is not recorded yet")

// DefaultCallbackWait is how long a webhook holds a callback about a message still in
// flight, polling for the delivery stage's record, before answering 503. The record
// usually commits milliseconds after the provider call returns, so a short hold saves the
// provider a retry (and saves the status where the provider does not retry).
const DefaultCallbackWait = 2 * time.Second

// callbackPoll is how often a held callback looks for the record again.
const callbackPoll = 50 * time.Millisecond

// applyWaiting applies us (updates of one webhook post about one notification, in the
// provider's order) in one transaction, retrying the ones about a message still in flight
// up to c.wait (default DefaultCallbackWait); then errInFlight.
//
// While a message is in flight it polls with one statement (inFlight), not apply's
// transaction: the fakes, and a fast provider, call back before the worker's record
// commits for most messages, and a transaction that can only find the record missing costs
// the database three round trips each time.
func (c *callbacks) applyWaiting(ctx context.Context, us ...provider.StatusUpdate) error {
	wait := c.wait
	if wait == 0 {
		wait = DefaultCallbackWait
	}
	deadline := time.Now().Add(wait)
	for {
		var ready, waiting []provider.StatusUpdate
		asked := map[string]bool{} // by ref: a message's updates share one look
		for _, u := range us {
			pending, seen := asked[u.Ref]
			if !seen {
				var err error
				if pending, err = c.inFlight(ctx, u); err != nil {
					return err
				}
				asked[u.Ref] = pending
			}
			if pending {
				waiting = append(waiting, u)
			} else {
				ready = append(ready, u)
			}
		}
		if len(ready) > 0 {
			again, err := c.apply(ctx, ready...)
			if err != nil {
				return err
			}
			waiting = append(waiting, again...)
		}
		if len(waiting) == 0 {
			return nil
		}
		us = waiting
		if time.Now().Add(callbackPoll).After(deadline) {
			return stillInFlight(us)
		}
		t := time.NewTimer(callbackPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %w", stillInFlight(us), ctx.Err())
		case <-t.C:
		}
	}
}

// stillInFlight is applyWaiting's error for updates us still in flight when it stops
// waiting (built only then: the poll loop needs no error).
func stillInFlight(us []provider.StatusUpdate) error {
	return fmt.Errorf("%w: %d update(s), the first %s (ref %q)", errInFlight, len(us), us[0].ProviderMessageID, us[0].Ref)
}

// byNotification splits a webhook post's updates into runs for applyWaiting: those naming
// the same notification by our ref together (in order), every other alone, so that one
// transaction locks one notification's row and two posts never wait for each other's locks
// in opposite orders.
//
// An update without our ref (found by the provider's message id) may be about any
// notification, so no later update is pulled in front of it: it closes every run open
// before it, and the updates after it start new runs. One notification's updates are thus
// applied in the provider's order.
func byNotification(us []provider.StatusUpdate) [][]provider.StatusUpdate {
	var out [][]provider.StatusUpdate
	at := map[uuid.UUID]int{}
	for _, u := range us {
		id, _, ok := parseRef(u.Ref)
		if !ok {
			out = append(out, []provider.StatusUpdate{u})
			clear(at)
			continue
		}
		if i, seen := at[id]; seen {
			out[i] = append(out[i], u)
			continue
		}
		at[id] = len(out)
		out = append(out, []provider.StatusUpdate{u})
	}
	return out
}

// inDelivery are the statuses of a notification whose delivery is not finished: a callback
// about it may arrive before its send is recorded, and a status update may still move it.
var inDelivery = []string{"pending", "deferred", "queued"}

// inFlightSQL says whether the row our ref names ($1, member $2 or else the recipient) is
// still being delivered ($3: inDelivery) with that member not recorded: what apply would
// answer errInFlight for (the member rule of lockRefSQL and memberRecordedSQL). No row: not
// ours by ref.
const inFlightSQL = `SELECT n.status = ANY($3) AND NOT EXISTS (SELECT 1
		FROM notifications.delivery_members m WHERE m.notification_id = n.id AND m.member = coalesce(nullif($2, ''), n.recipient))
	FROM notifications.notifications n WHERE n.id = $1`

// inFlight reports, in one statement and without a lock, whether u is about a message of
// ours whose send is not recorded yet. It only spares apply's transaction: apply decides
// again under the row's lock.
func (c *callbacks) inFlight(ctx context.Context, u provider.StatusUpdate) (bool, error) {
	id, member, ok := parseRef(u.Ref)
	if !ok {
		return false, nil // found by provider message id, which only a recorded send has
	}
	var pending bool
	err := c.pool.QueryRow(ctx, inFlightSQL, id, member, inDelivery).Scan(&pending)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for notification %s: %w", id, err)
	}
	return pending, nil
}

// Members and the row's status. The delivery stage sends one provider message per member:
// the single recipient (ref = notification id) or each member of a group and each device
// of a person (ref = "<notification id>/<member>"), and records each served member in
// delivery_members. A callback updates its member's status there; the row's status is
// then derived from all its members:
//   - delivered when any member was delivered (the notification reached someone);
//   - failed when every member failed (bounced, dropped, undelivered, or refused at send);
//   - otherwise sent.
//
// A member's final status (delivered, failed) is never overwritten, and neither is the
// row's. While the row is still being delivered (a retry is pending for other members) a
// member's status is recorded but the row's is left to the delivery stage's record.

// apply records a provider callback: a delivery_log row (once per notification, provider,
// status and provider message id, so a redelivered webhook adds nothing), the member's
// status and the row's derived status. The notification is found by our ref when the
// provider echoed it, else by the provider's message id (delivery_members, then the
// delivery log). A message that is not ours is logged and ignored (204: an error would only
// make the provider retry it for a day); one that is ours but not recorded yet is
// errInFlight. A row status change is reported by a delivery status event through the
// outbox, in the same transaction.
//
// apply runs us in one transaction and returns those about a message still in flight
// (applyOne's errInFlight), which it left untouched; any other failure rolls all of us back
// (the provider retries the post; applying an update again adds nothing).
func (c *callbacks) apply(ctx context.Context, us ...provider.StatusUpdate) ([]provider.StatusUpdate, error) {
	var inFlight []provider.StatusUpdate
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		inFlight = inFlight[:0]
		for _, u := range us {
			err := c.applyOne(ctx, tx, u)
			if errors.Is(err, errInFlight) {
				inFlight = append(inFlight, u)
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inFlight, nil
}

// applyOne is apply's work for one update u in tx.
func (c *callbacks) applyOne(ctx context.Context, tx pgx.Tx, u provider.StatusUpdate) error {
	log := c.log
	// Serialize callbacks of one notification (and wait for a record in progress).
	t, status, recorded, ok, err := lockTarget(ctx, tx, u)
	if err != nil || !ok {
		if err == nil {
			log.InfoContext(ctx, "provider callback for an unknown message ignored", "provider", u.Provider,
				"provider_message_id", u.ProviderMessageID, "ref", u.Ref)
		}
		return err
	}
	delivering := slices.Contains(inDelivery, status)
	if t.byRef {
		switch {
		case recorded != nil:
			t.member = *recorded
		case delivering:
			return fmt.Errorf("%w: notification %s member %q (%s)", errInFlight, t.id, t.member, status)
		case t.member != "":
			log.InfoContext(ctx, "provider callback for an unknown member ignored", "provider", u.Provider,
				"notification", t.id, "member", t.member)
			return nil
		default:
			// A single-recipient row delivered without a member record: the row is
			// the member.
		}
	}
	var pmid, reason *string
	if u.ProviderMessageID != "" {
		pmid = &u.ProviderMessageID
	}
	if u.Reason != "" {
		reason = &u.Reason
	}
	tag, err := tx.Exec(ctx, `INSERT INTO notifications.delivery_log (notification_id, attempt, provider, status, provider_message_id, error, at)
		SELECT $1, coalesce((SELECT max(attempt) FROM notifications.delivery_log WHERE notification_id = $1), 1),
			$2, $3, $4, $5, coalesce($6, now())
		WHERE NOT EXISTS (SELECT 1 FROM notifications.delivery_log
			WHERE notification_id = $1 AND provider = $2 AND status = $3 AND provider_message_id IS NOT DISTINCT FROM $4)`,
		t.id, u.Provider, string(u.Status), pmid, reason, nullTime(u))
	if err != nil {
		return fmt.Errorf("log callback of %s: %w", t.id, err)
	}
	st := rowStatus(u.Status)
	if tag.RowsAffected() == 0 || st == "" {
		return nil
	}
	if t.member != "" {
		if st == "sent" {
			return nil // a recorded member is sent already: nothing moves
		}
		changed, err := updateMember(ctx, tx, t, st, u.Reason)
		if err != nil || !changed || delivering {
			return err
		}
		if st, err = derivedStatus(ctx, tx, t.id); err != nil {
			return err
		}
	}
	allowed := append(slices.Clip(inDelivery), "sent")
	if st == "sent" {
		allowed = inDelivery
	}
	var n notificationRow
	err = tx.QueryRow(ctx, `UPDATE notifications.notifications
		SET status = $2, status_reason = $3, defer_until = NULL, updated_at = now()
		WHERE id = $1 AND status = ANY($4)
		RETURNING request_id, kind, channel, recipient_type, recipient_id,
			(SELECT max(attempt) FROM notifications.delivery_log WHERE notification_id = $1)`,
		t.id, st, u.Reason, allowed).Scan(&n.requestID, &n.kind, &n.channel, &n.recipientType, &n.recipientID, &n.attempt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // already final, or already past "sent"
	}
	if err != nil {
		return fmt.Errorf("update status of %s: %w", t.id, err)
	}
	return c.enqueueStatus(ctx, tx, t.id, n, u, st)
}

// memberStatus is a delivery_members row's status: its own, or what the delivery stage's
// record means (accepted: sent; refused for good, no provider message id: failed).
const memberStatus = `coalesce(status, CASE WHEN provider_message_id = '' THEN 'failed' ELSE 'sent' END)`

// updateMember moves t's member to st unless its status is already final (or st is "sent",
// which a recorded member already is); it reports whether it changed.
func updateMember(ctx context.Context, tx pgx.Tx, t target, st, reason string) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE notifications.delivery_members SET status = $3, status_reason = $4, updated_at = now()
		WHERE notification_id = $1 AND member = $2 AND `+memberStatus+` = 'sent' AND $3 <> 'sent'`,
		t.id, t.member, st, reason)
	if err != nil {
		return false, fmt.Errorf("update member %s of %s: %w", t.member, t.id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// derivedStatus is the row status its members give (see "Members and the row's status").
func derivedStatus(ctx context.Context, tx pgx.Tx, id uuid.UUID) (string, error) {
	var st string
	err := tx.QueryRow(ctx, `SELECT CASE WHEN bool_or(s = 'delivered') THEN 'delivered'
			WHEN bool_and(s = 'failed') THEN 'failed' ELSE 'sent' END
		FROM (SELECT `+memberStatus+` AS s FROM notifications.delivery_members WHERE notification_id = $1) m`, id).Scan(&st)
	if err != nil {
		return "", fmt.Errorf("derive status of %s from its members: %w", id, err)
	}
	return st, nil
}

type notificationRow struct {
	requestID     *uuid.UUID
	kind, channel string
	recipientType string
	recipientID   *string
	attempt       int
}

// statusSpace namespaces the event ids of callback status events (uuid v5 of the
// notification id and the provider status), so a replayed callback cannot make a second
// event even if it got past the log's dedup.
var statusSpace = uuid.MustParse("6f1d2b8e-3c4a-4e5f-8a9b-0c1d2e3f4a5b")

// eventStatus is the DeliveryStatus of a row that moved to rowStatus on callback s: the
// callback's own word (BOUNCED is more precise than FAILED) when it agrees with the row,
// else the row's (a group row delivered to one member while another bounced is DELIVERED).
func eventStatus(s provider.Status, rowStatus string) string {
	switch rowStatus {
	case "delivered":
		return "DELIVERED"
	case "sent":
		return "SENT"
	}
	switch s {
	case provider.StatusQueued, provider.StatusSent:
		return "SENT"
	case provider.StatusDelivered, provider.StatusOpened:
		return "DELIVERED"
	case provider.StatusBounced:
		return "BOUNCED"
	default:
		return "FAILED"
	}
}

// enqueueStatus writes the NotificationDeliveryStatusChanged event of a callback. Its
// correlation id derives from the notification id (the row does not keep the original
// one); it has no causation id, a provider callback being no event of ours.
func (c *callbacks) enqueueStatus(ctx context.Context, tx pgx.Tx, id uuid.UUID, n notificationRow, u provider.StatusUpdate, st string) error {
	var reqID, pmid, errMsg *string
	if n.requestID != nil {
		s := n.requestID.String()
		reqID = &s
	}
	if u.ProviderMessageID != "" {
		pmid = &u.ProviderMessageID
	}
	if u.Reason != "" {
		errMsg = &u.Reason
	}
	status := eventStatus(u.Status, st)
	ev := &schemas.NotificationDeliveryStatusChanged{
		NotificationID:    id.String(),
		RequestID:         reqID,
		Kind:              n.kind,
		Channel:           strings.ToUpper(n.channel),
		Status:            status,
		RecipientType:     n.recipientType,
		RecipientID:       n.recipientID,
		Provider:          u.Provider,
		ProviderMessageID: pmid,
		Attempt:           max(n.attempt, 1),
		ErrorMessage:      errMsg,
	}
	if err := c.emit.Emit(ctx, tx, ev, outbox.ID(uuid.NewSHA1(statusSpace, []byte(id.String()+"/"+status)).String()),
		outbox.At(c.now()), outbox.Lineage(event.Lineage{Correlation: uuid.NewSHA1(statusSpace, []byte(id.String())).String()})); err != nil {
		return fmt.Errorf("delivery status of %s: %w", id, err)
	}
	return nil
}

func nullTime(u provider.StatusUpdate) any {
	if u.At.IsZero() {
		return nil
	}
	return u.At
}

// target is the notification (and member) a callback is about.
type target struct {
	id uuid.UUID
	// member is the delivery_members member; "" for a row-level callback (a single-recipient
	// row recorded without a member).
	member string
	// byRef is true when the provider echoed our ref ("<id>" or "<id>/<member>").
	byRef bool
}

// parseRef splits our Message.ID, "<notification id>" or "<notification id>/<member>".
func parseRef(ref string) (uuid.UUID, string, bool) {
	idPart, member, _ := strings.Cut(ref, "/")
	id, err := uuid.Parse(idPart)
	if err != nil || (strings.Contains(ref, "/") && member == "") {
		return uuid.Nil, "", false
	}
	return id, member, true
}

// lockRefSQL locks the notification our ref names ($1) and returns its status and the
// member the ref is about: its member ($2), or else the row's recipient.
const lockRefSQL = `SELECT status, coalesce(nullif($2, ''), recipient)
	FROM notifications.notifications WHERE id = $1 FOR UPDATE`

// memberRecordedSQL says whether member $2 of notification $1 is recorded in
// delivery_members. It is a statement of its own, run after lockRefSQL: under read
// committed a statement that waited for the row's lock sees the row's new version but
// evaluates its subqueries in the snapshot taken before the wait, so a member recorded by
// the transaction that held the lock would be missed (and the update dropped as "unknown
// member"); a new statement takes a new snapshot, which sees it.
const memberRecordedSQL = `SELECT EXISTS (SELECT 1 FROM notifications.delivery_members
	WHERE notification_id = $1 AND member = $2)`

// lockTarget finds the notification a callback is about and locks its row: by our ref, then
// looks (after the lock) whether the ref's member is recorded (recorded, nil when not), else
// by the provider's message id (findByMessage, then the lock). ok is false for a message
// not ours.
func lockTarget(ctx context.Context, tx pgx.Tx, u provider.StatusUpdate) (t target, status string, recorded *string, ok bool, err error) {
	if id, member, parsed := parseRef(u.Ref); parsed {
		var about *string
		err := tx.QueryRow(ctx, lockRefSQL, id, member).Scan(&status, &about)
		if err == nil {
			t := target{id: id, member: member, byRef: true}
			if about == nil {
				return t, status, nil, true, nil
			}
			var exists bool
			if err := tx.QueryRow(ctx, memberRecordedSQL, id, *about).Scan(&exists); err != nil {
				return target{}, "", nil, false, fmt.Errorf("look for member %q of %s: %w", *about, id, err)
			}
			if exists {
				recorded = about
			}
			return t, status, recorded, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return target{}, "", nil, false, fmt.Errorf("lock notification %s: %w", id, err)
		}
	}
	if t, ok, err = findByMessage(ctx, tx, u); err != nil || !ok {
		return target{}, "", nil, false, err
	}
	if err := tx.QueryRow(ctx, `SELECT status FROM notifications.notifications WHERE id = $1 FOR UPDATE`,
		t.id).Scan(&status); err != nil {
		return target{}, "", nil, false, fmt.Errorf("lock notification %s: %w", t.id, err)
	}
	return t, status, nil, true, nil
}

// findByMessage resolves the notification a callback without our ref is about by the
// provider's message id: among the recorded members, else in the delivery log.
func findByMessage(ctx context.Context, tx pgx.Tx, u provider.StatusUpdate) (target, bool, error) {
	if u.ProviderMessageID == "" {
		return target{}, false, nil
	}
	var t target
	err := tx.QueryRow(ctx, `SELECT notification_id, member FROM notifications.delivery_members
		WHERE provider_message_id = $1 ORDER BY sent_at DESC LIMIT 1`, u.ProviderMessageID).Scan(&t.id, &t.member)
	if err == nil {
		return t, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return target{}, false, fmt.Errorf("find member with message %s of %s: %w", u.ProviderMessageID, u.Provider, err)
	}
	err = tx.QueryRow(ctx, `SELECT notification_id FROM notifications.delivery_log
		WHERE provider = $1 AND provider_message_id = $2 ORDER BY id DESC LIMIT 1`, u.Provider, u.ProviderMessageID).Scan(&t.id)
	if errors.Is(err, pgx.ErrNoRows) {
		return target{}, false, nil
	}
	if err != nil {
		return target{}, false, fmt.Errorf("find message %s of %s: %w", u.ProviderMessageID, u.Provider, err)
	}
	return t, true, nil
}
