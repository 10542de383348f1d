package loyalty

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/problem"
)

// Paging of the transaction list.
const (
	defaultPage = 50
	maxPage     = 200
)

// uuidParam is the path value name as a UUID, or a 400 naming it.
func uuidParam(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil {
		return uuid.Nil, problem.Validation(name+" is not a UUID", problem.FieldError{Field: name, Reason: "not a UUID"})
	}
	return id, nil
}

// rendered is the Idempotency-Key response of a write: status and JSON body.
func rendered(status int) func(any) idempotency.Response {
	return func(v any) idempotency.Response {
		body, err := json.Marshal(v)
		if err != nil {
			return idempotency.Response{Status: http.StatusInternalServerError}
		}
		return idempotency.Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: append(body, '\n')}
	}
}

// write runs op in a transaction that also stores the response for the request's
// Idempotency-Key, then answers it.
func (a *app) write(w http.ResponseWriter, r *http.Request, status int, op func(ctx context.Context, tx pgx.Tx) (any, error)) error {
	rs := idempotency.NewResponder(r, rendered(status))
	var out any
	err := pgx.BeginFunc(r.Context(), a.db, func(tx pgx.Tx) error {
		err := a.inStore(r.Context(), func(ctx context.Context) error {
			v, err := op(ctx, tx)
			out = v
			return err
		})
		if err != nil {
			return err
		}
		return rs.Finish(r.Context(), tx, out)
	})
	if err != nil {
		rs.Discard()
		return err
	}
	rs.Write(w, out)
	return nil
}

func callerOf(r *http.Request) string {
	c, _ := apiauth.CallerFrom(r.Context())
	return c.Name
}

func (a *app) handleGetMember(w http.ResponseWriter, r *http.Request) error {
	id, err := uuidParam(r, "guest_id")
	if err != nil {
		return err
	}
	m, err := a.ledger.Member(r.Context(), a.db, id.String())
	if err != nil {
		return err
	}
	if m == nil {
		return notMember(id.String())
	}
	return httpedge.WriteJSON(w, http.StatusOK, a.viewMember(m))
}

func (a *app) handleListTransactions(w http.ResponseWriter, r *http.Request) error {
	id, err := uuidParam(r, "guest_id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, before := defaultPage, int64(0)
	var fields []problem.FieldError
	if v := q.Get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > maxPage {
			fields = append(fields, problem.FieldError{Field: "limit", Reason: "an integer from 1 to 200"})
		} else {
			limit = n
		}
	}
	if v := q.Get("cursor"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1 {
			fields = append(fields, problem.FieldError{Field: "cursor", Reason: "the next_cursor of a previous page"})
		} else {
			before = n
		}
	}
	if fields != nil {
		return problem.Validation("invalid paging parameters", fields...)
	}
	m, err := a.ledger.Member(r.Context(), a.db, id.String())
	if err != nil {
		return err
	}
	if m == nil {
		return notMember(id.String())
	}
	entries, err := a.ledger.Transactions(r.Context(), a.db, id.String(), before, limit+1)
	if err != nil {
		return err
	}
	page := transactionsView{Transactions: []entryView{}}
	if len(entries) > limit {
		entries = entries[:limit]
		next := strconv.FormatInt(entries[limit-1].Seq, 10)
		page.NextCursor = &next
	}
	for _, e := range entries {
		page.Transactions = append(page.Transactions, viewEntry(e))
	}
	return httpedge.WriteJSON(w, http.StatusOK, page)
}

func (a *app) handleCatalog(w http.ResponseWriter, r *http.Request) error {
	rewards, err := a.ledger.Rewards(r.Context(), a.db, true)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, map[string]any{"rewards": rewards, "tiers": a.ladder})
}

func (a *app) handleRedeem(w http.ResponseWriter, r *http.Request) error {
	id, err := uuidParam(r, "guest_id")
	if err != nil {
		return err
	}
	var body struct {
		RewardID      string  `json:"reward_id"`
		ReservationID *string `json:"reservation_id"`
	}
	if err := httpedge.DecodeJSON(r, &body); err != nil {
		return err
	}
	var fields []problem.FieldError
	if strings.TrimSpace(body.RewardID) == "" {
		fields = append(fields, problem.FieldError{Field: "reward_id", Reason: "required"})
	}
	if body.ReservationID != nil {
		if res, err := uuid.Parse(*body.ReservationID); err != nil {
			fields = append(fields, problem.FieldError{Field: "reservation_id", Reason: "not a UUID"})
		} else {
			s := res.String()
			body.ReservationID = &s
		}
	}
	if fields != nil {
		return problem.Validation("invalid redemption", fields...)
	}
	in := redeemRequest{ID: redemptionID(callerOf(r), r.Header.Get(idempotency.Header), id.String(), body.RewardID),
		GuestID: id.String(), RewardID: body.RewardID, ReservationID: body.ReservationID, Caller: callerOf(r),
		Lineage: event.FromRequest(r)}
	return a.write(w, r, http.StatusCreated, func(ctx context.Context, tx pgx.Tx) (any, error) {
		red, balance, err := a.redeem(ctx, tx, in)
		if err != nil {
			return nil, err
		}
		return viewRedemption(red, balance), nil
	})
}

func (a *app) handleCancelRedemption(w http.ResponseWriter, r *http.Request) error {
	id, err := uuidParam(r, "id")
	if err != nil {
		return err
	}
	return a.write(w, r, http.StatusOK, func(ctx context.Context, tx pgx.Tx) (any, error) {
		red, balance, err := a.cancelRedemption(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return viewRedemption(red, balance), nil
	})
}

// maxReason bounds an adjustment's reason.
const maxReason = 500

func (a *app) handleAdjust(w http.ResponseWriter, r *http.Request) error {
	id, err := uuidParam(r, "guest_id")
	if err != nil {
		return err
	}
	var body struct {
		Points *int64 `json:"points"`
		Reason string `json:"reason"`
	}
	if err := httpedge.DecodeJSON(r, &body); err != nil {
		return err
	}
	var fields []problem.FieldError
	if body.Points == nil || *body.Points == 0 || *body.Points > 1_000_000 || *body.Points < -1_000_000 {
		fields = append(fields, problem.FieldError{Field: "points", Reason: "a non-zero integer from -1000000 to 1000000"})
	}
	if reason := strings.TrimSpace(body.Reason); reason == "" || len(reason) > maxReason {
		fields = append(fields, problem.FieldError{Field: "reason", Reason: "required, at most 500 bytes"})
	}
	if fields != nil {
		return problem.Validation("invalid adjustment", fields...)
	}
	return a.write(w, r, http.StatusCreated, func(ctx context.Context, tx pgx.Tx) (any, error) {
		reason := strings.TrimSpace(body.Reason)
		e, err := a.adjust(ctx, tx, adjustRequest{ID: adjustmentID(callerOf(r), r.Header.Get(idempotency.Header), id.String(), *body.Points, reason),
			GuestID: id.String(), Points: *body.Points, Reason: reason, Caller: callerOf(r), Lineage: event.FromRequest(r)})
		if err != nil {
			return nil, err
		}
		return viewEntry(*e), nil
	})
}

// memberView is GET /v1/members/{guest_id}.
type memberView struct {
	GuestID          string    `json:"guest_id"`
	Tier             string    `json:"tier"`
	Balance          int64     `json:"balance"`
	QualifyingPoints int64     `json:"qualifying_points"`
	TierSince        time.Time `json:"tier_since"`
	EnrolledAt       time.Time `json:"enrolled_at"`
	NextTier         *struct {
		Code         string `json:"code"`
		Threshold    int64  `json:"threshold"`
		PointsNeeded int64  `json:"points_needed"`
	} `json:"next_tier"`
}

func (a *app) viewMember(m *Member) memberView {
	v := memberView{GuestID: m.GuestID, Tier: m.Tier, Balance: m.Balance, QualifyingPoints: m.QualifyingPoints,
		TierSince: m.TierSince.UTC(), EnrolledAt: m.EnrolledAt.UTC()}
	if next, ok := a.ladder.Next(m.Tier); ok {
		v.NextTier = &struct {
			Code         string `json:"code"`
			Threshold    int64  `json:"threshold"`
			PointsNeeded int64  `json:"points_needed"`
		}{next.Code, next.Threshold, max(0, next.Threshold-m.QualifyingPoints)}
	}
	return v
}

type entryView struct {
	ID            uuid.UUID      `json:"id"`
	Kind          string         `json:"kind"`
	Points        int64          `json:"points"`
	BalanceAfter  int64          `json:"balance_after"`
	ReservationID *string        `json:"reservation_id"`
	RedemptionID  *string        `json:"redemption_id"`
	Reverses      *uuid.UUID     `json:"reverses"`
	Reason        string         `json:"reason"`
	Detail        map[string]any `json:"detail"`
	OccurredAt    time.Time      `json:"occurred_at"`
	RecordedAt    time.Time      `json:"recorded_at"`
}

func viewEntry(e Entry) entryView {
	return entryView{ID: e.ID, Kind: e.Kind, Points: e.Points, BalanceAfter: e.BalanceAfter, ReservationID: e.ReservationID,
		RedemptionID: e.RedemptionID, Reverses: e.Reverses, Reason: e.Reason, Detail: orEmpty(e.Detail),
		OccurredAt: e.OccurredAt.UTC(), RecordedAt: e.RecordedAt.UTC()}
}

type transactionsView struct {
	Transactions []entryView `json:"transactions"`
	NextCursor   *string     `json:"next_cursor"`
}

type redemptionView struct {
	ID            uuid.UUID       `json:"id"`
	GuestID       string          `json:"guest_id"`
	RewardID      string          `json:"reward_id"`
	Points        int64           `json:"points"`
	ReservationID *string         `json:"reservation_id"`
	Status        string          `json:"status"`
	Reward        json.RawMessage `json:"reward"`
	BalanceAfter  int64           `json:"balance_after"`
	CreatedAt     time.Time       `json:"created_at"`
	CancelledAt   *time.Time      `json:"cancelled_at"`
}

func viewRedemption(r *Redemption, balance int64) redemptionView {
	return redemptionView{ID: r.ID, GuestID: r.GuestID, RewardID: r.RewardID, Points: r.Points, ReservationID: r.ReservationID,
		Status: r.Status, Reward: r.Reward, BalanceAfter: balance, CreatedAt: r.CreatedAt.UTC(), CancelledAt: r.CancelledAt}
}
