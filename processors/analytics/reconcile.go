package analytics

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/platform/worker"
)

// mismatch is one difference between our revenue facts and svc-payments' records of a
// day, in minor units; PaymentID is "" for a currency's day total.
type mismatch struct {
	Day       string `json:"day"`
	Currency  string `json:"currency"`
	Field     string `json:"field"`
	PaymentID string `json:"payment_id,omitempty"`
	Ours      int64  `json:"ours"`
	Theirs    int64  `json:"theirs"`
}

// paymentsSummary is what we read of svc-payments' reconciliation answer.
type paymentsSummary struct {
	Summaries []struct {
		Currency          string `json:"currency"`
		CapturesCount     int64  `json:"captures_count"`
		CapturedMinor     int64  `json:"captured_minor"`
		RefundedMinor     int64  `json:"refunded_minor"`
		DisputesLostMinor int64  `json:"disputes_lost_minor"`
	} `json:"summaries"`
}

// reconciler calls svc-payments as svc-analytics (a permitted reader of payment records).
type reconciler struct {
	client *outbound.Client
}

// call sends method path to svc-payments and decodes a 200 answer into v.
func (rc *reconciler) call(ctx context.Context, method, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, rc.client.URL(path), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+rc.client.Key)
	resp, err := rc.client.Do(req)
	if err != nil {
		return fmt.Errorf("svc-payments %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("svc-payments %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("svc-payments %s %s answered %d", method, path, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("svc-payments %s %s: %w", method, path, err)
	}
	return nil
}

// reconcileDay compares the day's (UTC) revenue facts per currency with svc-payments'
// summary of the same day (its POST /v1/daily-summaries/{date}/reconcile rebuilds and
// returns it): captured, refunded and lost amounts, and the count of captures. Where the
// captured amounts differ, each payment of ours that day is compared with svc-payments'
// record of it (GET /v1/payments/{id}), so the mismatch names the payment. The result
// replaces the day's earlier one.
func (a *app) reconcileDay(ctx context.Context, day time.Time) ([]mismatch, error) {
	day = day.UTC().Truncate(24 * time.Hour)
	d := day.Format(time.DateOnly)
	var theirs paymentsSummary
	if err := a.payments.call(ctx, http.MethodPost, "/v1/daily-summaries/"+d+"/reconcile", &theirs); err != nil {
		return nil, fmt.Errorf("analytics: reconcile %s: %w", d, err)
	}
	ours, err := a.dayTotals(ctx, day)
	if err != nil {
		return nil, err
	}
	type key struct{ currency, field string }
	them := map[key]int64{}
	for _, s := range theirs.Summaries {
		them[key{s.Currency, "captured"}] = s.CapturedMinor
		them[key{s.Currency, "captures"}] = s.CapturesCount
		them[key{s.Currency, "refunded"}] = s.RefundedMinor
		them[key{s.Currency, "dispute_lost"}] = s.DisputesLostMinor
	}
	keys := map[key]bool{}
	for k := range them {
		keys[k] = true
	}
	for k := range ours {
		keys[key{k[0], k[1]}] = true
	}
	var out []mismatch
	for k := range keys {
		o, t := ours[[2]string{k.currency, k.field}], them[k]
		if o == t {
			continue
		}
		out = append(out, mismatch{Day: d, Currency: k.currency, Field: k.field, Ours: o, Theirs: t})
		if k.field == "captured" {
			per, err := a.paymentMismatches(ctx, day, k.currency)
			if err != nil {
				return nil, err
			}
			out = append(out, per...)
		}
	}
	slices.SortFunc(out, func(x, y mismatch) int {
		return cmp.Compare(x.Currency+x.Field+x.PaymentID, y.Currency+y.Field+y.PaymentID)
	})
	return out, a.saveReconciliation(ctx, day, out)
}

// dayTotals are our revenue facts of the day per currency and field, in minor units.
func (a *app) dayTotals(ctx context.Context, day time.Time) (map[[2]string]int64, error) {
	totals, err := a.facts.DayRevenue(ctx, day)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{metricCaptured: "captured", metricRefunded: "refunded", metricDisputeLost: "dispute_lost"}
	out := map[[2]string]int64{}
	for _, t := range totals {
		amt, err := money.Parse(t.total, t.currency)
		if err != nil {
			return nil, fmt.Errorf("analytics: reconcile: our %s total %s %s: %w", t.metric, t.total, t.currency, err)
		}
		out[[2]string{t.currency, fields[t.metric]}] = amt.Minor
		if t.metric == metricCaptured {
			out[[2]string{t.currency, "captures"}] = t.n
		}
	}
	return out, nil
}

// DayRevenue reads the day's revenue facts per currency and metric.
func (s *pgFacts) DayRevenue(ctx context.Context, day time.Time) ([]dayRevenue, error) {
	rows, err := s.db.Query(ctx, `SELECT currency, metric, abs(sum(value))::text, count(*)
		FROM analytics.revenue_metrics
		WHERE occurred_at >= $1 AND occurred_at < $2 AND metric = ANY ($3) AND currency IS NOT NULL
		GROUP BY currency, metric`, day, day.AddDate(0, 0, 1), netRevenueMetrics)
	if err != nil {
		return nil, fmt.Errorf("analytics: reconcile: our totals: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dayRevenue, error) {
		var d dayRevenue
		err := r.Scan(&d.currency, &d.metric, &d.total, &d.n)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("analytics: reconcile: our totals: %w", err)
	}
	return out, nil
}

// DayCaptures reads each payment's captured total of the day in currency.
func (s *pgFacts) DayCaptures(ctx context.Context, day time.Time, currency string) ([]capture, error) {
	rows, err := s.db.Query(ctx, `SELECT reference_id, sum(value)::text FROM analytics.revenue_metrics
		WHERE occurred_at >= $1 AND occurred_at < $2 AND metric = $3 AND currency = $4
		GROUP BY reference_id ORDER BY reference_id`, day, day.AddDate(0, 0, 1), metricCaptured, currency)
	if err != nil {
		return nil, fmt.Errorf("analytics: reconcile: our payments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (capture, error) {
		var c capture
		err := r.Scan(&c.id, &c.total)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("analytics: reconcile: our payments: %w", err)
	}
	return out, nil
}

// paymentMismatches compares each payment we recorded as captured that day in currency
// with svc-payments' record of it.
func (a *app) paymentMismatches(ctx context.Context, day time.Time, currency string) ([]mismatch, error) {
	list, err := a.facts.DayCaptures(ctx, day, currency)
	if err != nil {
		return nil, err
	}
	var out []mismatch
	for _, p := range list {
		ours, err := money.Parse(p.total, currency)
		if err != nil {
			return nil, fmt.Errorf("analytics: reconcile: payment %s: %w", p.id, err)
		}
		var rec struct {
			Captured struct{ Amount, Currency string } `json:"captured"`
		}
		if err := a.payments.call(ctx, http.MethodGet, "/v1/payments/"+p.id, &rec); err != nil {
			return nil, fmt.Errorf("analytics: reconcile: %w", err)
		}
		theirs, err := money.Parse(rec.Captured.Amount, currency)
		if err != nil {
			return nil, fmt.Errorf("analytics: reconcile: svc-payments' payment %s: %w", p.id, err)
		}
		if ours.Minor != theirs.Minor {
			out = append(out, mismatch{Day: day.Format(time.DateOnly), Currency: currency, Field: "captured", PaymentID: p.id, Ours: ours.Minor, Theirs: theirs.Minor})
		}
	}
	return out, nil
}

// saveReconciliation replaces the day's reconciliation with ms.
func (a *app) saveReconciliation(ctx context.Context, day time.Time, ms []mismatch) error {
	return pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO analytics.reconciliations (day, checked_at, mismatches) VALUES ($1, $2, $3)
			ON CONFLICT (day) DO UPDATE SET checked_at = excluded.checked_at, mismatches = excluded.mismatches`, day, a.now(), len(ms)); err != nil {
			return fmt.Errorf("analytics: save reconciliation: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM analytics.reconciliation_mismatches WHERE day = $1`, day); err != nil {
			return fmt.Errorf("analytics: save reconciliation: %w", err)
		}
		for _, m := range ms {
			if _, err := tx.Exec(ctx, `INSERT INTO analytics.reconciliation_mismatches VALUES ($1, $2, $3, $4, $5, $6)`,
				day, m.Currency, m.Field, m.PaymentID, m.Ours, m.Theirs); err != nil {
				return fmt.Errorf("analytics: save reconciliation: %w", err)
			}
		}
		return nil
	})
}

// runReconciliation is the "reconciliation" worker: yesterday and today, every
// ANALYTICS_RECONCILE_INTERVAL. Without ANALYTICS_PAYMENTS_URL it says so once and idles.
func (a *app) runReconciliation(ctx context.Context) error {
	if a.payments == nil {
		a.log.Warn("reconciliation with svc-payments is off: ANALYTICS_PAYMENTS_URL is unset")
		<-ctx.Done()
		return nil
	}
	return worker.Every("reconciliation", a.cfg.ReconcileInterval, a.log, func(ctx context.Context) error {
		today := a.now().UTC().Truncate(24 * time.Hour)
		for _, day := range []time.Time{today.AddDate(0, 0, -1), today} {
			ms, err := a.reconcileDay(ctx, day)
			if err != nil {
				return err
			}
			if len(ms) > 0 {
				a.log.Warn("revenue facts differ from svc-payments", "day", day.Format(time.DateOnly), "mismatches", len(ms))
			}
		}
		return nil
	})(ctx)
}

// mismatches are the stored reconciliation differences of the window's days.
func (a *app) mismatches(ctx context.Context, win window) ([]mismatch, error) {
	rows, err := a.db.Query(ctx, `SELECT day::text, currency, field, payment_id, ours, theirs
		FROM analytics.reconciliation_mismatches WHERE day >= $1 AND day < $2
		ORDER BY day, currency, field, payment_id`, win.from, win.end())
	if err != nil {
		return nil, fmt.Errorf("analytics: read reconciliation: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (mismatch, error) {
		var m mismatch
		err := r.Scan(&m.Day, &m.Currency, &m.Field, &m.PaymentID, &m.Ours, &m.Theirs)
		return m, err
	})
}
