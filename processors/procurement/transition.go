package procurement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/store"
)

// transition applies req to order id in one transaction: the order row is locked first, so
// of two concurrent requests the second sees the first's result (two approvals of one
// order: one wins, the other is refused as illegal from the new state). The change is
// recorded in the order's history, emitted, and the reorder state of its items
// re-evaluated (an order that opens or closes changes what is covered); finish (nil: none)
// runs last in the transaction.
func (a *app) transition(ctx context.Context, id string, req transitionRequest, finish finisher[Order]) (Order, error) {
	var out Order
	err := pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		o, err := loadOrder(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if len(Targets(o.Status, req.Action)) == 0 {
			return illegal(o, req.Action)
		}
		now := a.now().UTC()
		next, err := a.decide(ctx, tx, &o, req, now)
		if err != nil {
			return err
		}
		if !legal(o.Status, req.Action, next) {
			return fmt.Errorf("transition: %s from %s to %s is not in the table", req.Action, o.Status, next)
		}
		from := o.Status
		change := Change{From: &from, To: next, Action: string(req.Action), Actor: req.Actor, At: now, Reason: req.Reason}
		o.Status, o.UpdatedAt, o.History = next, now, append(o.History, change)
		history, _ := json.Marshal(o.History)
		// The order's update, its event and the reads of its lines' levels go in one round
		// trip; each level is then judged (an order that opens or closes changes what is
		// covered).
		b := &pgx.Batch{}
		b.Queue(`UPDATE procurement.purchase_orders SET status = $2, submitted_by = $3, first_approved_by = $4,
			approved_by = $5, sent_at = $6, promised_date = $7, received_at = $8, history = $9, updated_at = $10
			WHERE purchase_order_id = $1`, o.ID, o.Status, o.SubmittedBy, o.FirstApprovedBy, o.ApprovedBy, o.SentAt,
			o.PromisedDate, o.ReceivedAt, history, now)
		queued := b.Len()
		if err := a.emitStatus(ctx, store.Queue{B: b}, o, change); err != nil {
			return err
		}
		emitted := b.Len() - queued
		for _, l := range o.Lines {
			b.Queue(levelSQL, levelArgs(l.SKU, o.LocationID, a.cfg.window, now)...)
		}
		levels, err := sendTransition(ctx, tx, b, emitted, o, a.cfg.window)
		if err != nil {
			return err
		}
		for _, lv := range levels {
			if _, _, err := a.judge(ctx, tx, lv); err != nil {
				return err
			}
		}
		out = o
		return finish.call(ctx, tx, o)
	})
	return out, err
}

// sendTransition sends b (the order's update, emitted outbox statements, a level read per
// line) and returns the levels of the lines stocked at the order's location.
func sendTransition(ctx context.Context, tx pgx.Tx, b *pgx.Batch, emitted int, o Order, window int) ([]level, error) {
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("update purchase order: %w", err)
	}
	for range emitted {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("enqueue status-changed: %w", err)
		}
	}
	var levels []level
	for _, l := range o.Lines {
		lv, err := scanLevel(br.QueryRow(), l.SKU, o.LocationID, window)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // never stocked there: nothing to judge
		}
		if err != nil {
			return nil, fmt.Errorf("read stock level: %w", err)
		}
		levels = append(levels, lv)
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("transition purchase order: %w", err)
	}
	return levels, nil
}

// decide checks the rules of req.Action beyond the table, sets what the action records on
// o, and returns the next state.
func (a *app) decide(ctx context.Context, tx pgx.Tx, o *Order, req transitionRequest, now time.Time) (Status, error) {
	actor := req.Actor
	switch req.Action {
	case Submit:
		o.SubmittedBy = &actor
		return Submitted, nil
	case Approve:
		if o.SubmittedBy != nil && *o.SubmittedBy == actor {
			return "", fault.Unprocessable("self-approval", "Self-approval refused",
				actor+" submitted "+o.PONumber()+" and cannot approve it.")
		}
		if o.Status == AwaitingSecond {
			if o.FirstApprovedBy != nil && *o.FirstApprovedBy == actor {
				return "", fault.Unprocessable("second-approver-required", "A different second approver is required",
					actor+" already approved "+o.PONumber()+"; its total needs a second, different approver.")
			}
			o.ApprovedBy = &actor
			return Approved, nil
		}
		if a.cfg.needsSecondApproval(o.Total) {
			o.FirstApprovedBy = &actor
			return AwaitingSecond, nil
		}
		o.ApprovedBy = &actor
		return Approved, nil
	case Reject:
		if strings.TrimSpace(req.Reason) == "" {
			return "", unprocessable("reason-required", "A rejection needs a reason", "reason", "Say why the order is rejected.")
		}
		return Rejected, nil
	case Cancel:
		return Cancelled, nil
	case Send:
		var days int
		if err := tx.QueryRow(ctx, `SELECT promised_lead_time_days FROM procurement.suppliers WHERE supplier_id = $1`, o.SupplierID).Scan(&days); err != nil {
			return "", fmt.Errorf("supplier lead time: %w", err)
		}
		promised := now.Truncate(24*time.Hour).AddDate(0, 0, days)
		o.SentAt, o.PromisedDate = &now, &promised
		return Sent, nil
	case Receive:
		return a.receive(ctx, tx, o, req, now)
	}
	return "", fmt.Errorf("transition: no rule for action %q", req.Action)
}

// illegal is the 409 of action from o's state, listing the actions that state allows.
func illegal(o Order, action Action) error {
	allowed := Allowed(o.Status)
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	detail := fmt.Sprintf("%s is %s; %s is not allowed from there.", o.PONumber(), o.Status, action)
	return fault.Conflict("illegal-transition", "Illegal transition", detail).
		With("order_status", string(o.Status)).With("allowed", names)
}
