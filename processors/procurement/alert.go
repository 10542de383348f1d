package procurement

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// alertState is an item's open reorder alert.
type alertState struct {
	AlertID           string    `json:"alert_id"`
	OnHand            int       `json:"on_hand"`
	ReorderPoint      float64   `json:"reorder_point"`
	SuggestedQuantity int       `json:"suggested_quantity"`
	RaisedAt          time.Time `json:"raised_at"`
}

// openAlertSQL reads the open alert of sku ($1) at location ($2).
const openAlertSQL = `SELECT alert_id::text, on_hand, reorder_point, suggested_quantity, raised_at FROM procurement.reorder_alerts
	WHERE sku = $1 AND location_id = $2 AND status = 'open'`

// openAlert is sku's open alert at location; nil when there is none.
func openAlert(ctx context.Context, q store.DB, sku, location string) (*alertState, error) {
	return scanAlert(q.QueryRow(ctx, openAlertSQL, sku, location))
}

// scanAlert reads a row of openAlertSQL; nil when there is none.
func scanAlert(row pgx.Row) (*alertState, error) {
	var s alertState
	err := row.Scan(&s.AlertID, &s.OnHand, &s.ReorderPoint, &s.SuggestedQuantity, &s.RaisedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open reorder alert: %w", err)
	}
	return &s, nil
}
