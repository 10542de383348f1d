package payments

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

const disputeCols = `id, provider_case_id, payment_id, currency, amount_minor, reason, status, respond_by, note,
	opened_at, updated_at, closed_at`

func disputeByCase(ctx context.Context, q store.DB, caseID string, forUpdate bool) (*Dispute, error) {
	sql := `SELECT ` + disputeCols + ` FROM payments.disputes WHERE provider_case_id = $1`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, caseID)
	if err != nil {
		return nil, fmt.Errorf("load dispute %s: %w", caseID, err)
	}
	ds, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Dispute])
	if err != nil {
		return nil, fmt.Errorf("load dispute %s: %w", caseID, err)
	}
	if len(ds) == 0 {
		return nil, errNotFound
	}
	return ds[0], nil
}

// insertDispute inserts d unless its case exists; false when it does (a concurrent open).
func insertDispute(ctx context.Context, q store.DB, d *Dispute) (bool, error) {
	tag, err := q.Exec(ctx, `INSERT INTO payments.disputes (`+disputeCols+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (provider_case_id) DO NOTHING`,
		d.ID, d.ProviderCaseID, d.PaymentID, d.Currency, d.AmountMinor, d.Reason, d.Status, d.RespondBy, d.Note,
		d.OpenedAt, d.UpdatedAt, d.ClosedAt)
	if err != nil {
		return false, fmt.Errorf("insert dispute: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

func updateDispute(ctx context.Context, q store.DB, d *Dispute) error {
	_, err := q.Exec(ctx, `UPDATE payments.disputes SET status = $2, note = $3, updated_at = $4, closed_at = $5 WHERE id = $1`,
		d.ID, d.Status, d.Note, d.UpdatedAt, d.ClosedAt)
	if err != nil {
		return fmt.Errorf("update dispute %s: %w", d.ID, err)
	}
	return nil
}
