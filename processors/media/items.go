package media

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/store"
)

// item is one row of media_items.
type item struct {
	AssetID       uuid.UUID
	AlbumID       uuid.UUID
	ReservationID uuid.UUID
	TripID        string
	UploadedBy    string
	UploaderType  string
	MediaType     string
	DeclaredType  string
	MaxBytes      int64
	ObjectKey     string
	ShareLocation bool
	UploadExpires time.Time
	State         string
	FailureReason *string
	ContentType   *string
	SizeBytes     *int64
	Width         *int
	Height        *int
	ThumbnailKey  *string
	PreviewKey    *string
	Blurhash      *string
	PosterState   *string
	TakenAt       *time.Time
	Latitude      *float64
	Longitude     *float64
	CreatedAt     time.Time
	CompletedAt   *time.Time
}

const itemCols = `asset_id, album_id, reservation_id, trip_id, uploaded_by, uploader_type, media_type, declared_type,
max_bytes, object_key, share_location, upload_expires, state, failure_reason, content_type, size_bytes, width, height,
thumbnail_key, preview_key, blurhash, poster_state, taken_at, latitude, longitude, created_at, completed_at`

func scanItem(row pgx.Row) (*item, error) {
	var it item
	err := row.Scan(&it.AssetID, &it.AlbumID, &it.ReservationID, &it.TripID, &it.UploadedBy, &it.UploaderType, &it.MediaType,
		&it.DeclaredType, &it.MaxBytes, &it.ObjectKey, &it.ShareLocation, &it.UploadExpires, &it.State, &it.FailureReason,
		&it.ContentType, &it.SizeBytes, &it.Width, &it.Height, &it.ThumbnailKey, &it.PreviewKey, &it.Blurhash,
		&it.PosterState, &it.TakenAt, &it.Latitude, &it.Longitude, &it.CreatedAt, &it.CompletedAt)
	return &it, err
}

// loadItem is the item id, or a 404 fault.
func loadItem(ctx context.Context, db store.DB, id uuid.UUID) (*item, error) {
	it, err := scanItem(db.QueryRow(ctx, `SELECT `+itemCols+` FROM media.media_items WHERE asset_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.NotFound(fmt.Sprintf("No media item %s.", id))
	}
	if err != nil {
		return nil, fmt.Errorf("load media item %s: %w", id, err)
	}
	return it, nil
}
