package media

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/schemas"
)

// complete turns a landed upload into a ready item: it reads the object, checks and renders
// it, writes the renditions, and then, in one transaction, marks the item ready and emits
// media-asset.uploaded through the outbox. So the event never announces an item whose
// thumbnails do not exist, and nothing half-made is listed (listings show ready items only).
//
// It is safe to repeat and to race: the final UPDATE only moves a pending item, so of two
// concurrent completes (the app's call and the sweep) one emits and the other answers the
// item as it is. Bytes that are not what was declared, corrupt or an image bomb mark the
// item failed with the reason; a missing object is a 409 while the upload may still come.
func (a *app) complete(ctx context.Context, id uuid.UUID) (*item, error) {
	it, err := loadItem(ctx, a.db, id)
	if err != nil || it.State != "pending" {
		return it, err
	}
	select {
	case a.renders <- struct{}{}:
		defer func() { <-a.renders }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var prefix int64 // photos are read whole; videos only as far as their container header
	if it.MediaType == "VIDEO" {
		prefix = 64 << 10
	}
	b, size, err := a.objects.read(ctx, it.ObjectKey, it.MaxBytes, prefix)
	if errors.Is(err, errNoObject) {
		return nil, fault.Conflict("upload-missing", "Upload missing",
			fmt.Sprintf("Nothing has been uploaded for media item %s yet.", id)).With("asset_id", id.String())
	}
	if err != nil {
		return nil, fault.Unavailable("object-store-unavailable", "Object store unavailable", "The upload could not be read.").Because(err)
	}
	var r *renditions
	if it.MediaType == "PHOTO" {
		r, err = renderPhoto(b, it.DeclaredType, a.cfg.MaxPixels)
	} else {
		if r, err = renderVideo(b, it.DeclaredType); err == nil {
			err = a.addPoster(ctx, it.ObjectKey, r)
		}
	}
	var ref *refusal
	if errors.As(err, &ref) {
		return a.fail(ctx, id, ref.reason)
	}
	if err != nil {
		return nil, err
	}
	var thumbKey, previewKey *string
	if r.thumbnail != nil {
		t, p := "renditions/"+id.String()+"/thumbnail.jpg", "renditions/"+id.String()+"/preview.jpg"
		for _, w := range []struct {
			key string
			b   []byte
		}{{t, r.thumbnail}, {p, r.preview}} {
			if err := a.objects.put(ctx, w.key, "image/jpeg", w.b); err != nil {
				return nil, fault.Unavailable("object-store-unavailable", "Object store unavailable", "The renditions could not be written.").Because(err)
			}
		}
		thumbKey, previewKey = &t, &p
	}
	return a.markReady(ctx, it, size, r, thumbKey, previewKey)
}

// markReady records the renditions and emits the event in one transaction.
func (a *app) markReady(ctx context.Context, it *item, size int64, r *renditions, thumbKey, previewKey *string) (*item, error) {
	tx, err := a.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	var width, height *int
	if r.width > 0 {
		width, height = &r.width, &r.height
	}
	var poster, blur *string
	if r.posterState != "" {
		poster = &r.posterState
	}
	if r.blurhash != "" {
		blur = &r.blurhash
	}
	var lat, lon *float64
	if r.position != nil {
		lat, lon = &r.position.Latitude, &r.position.Longitude
	}
	done, err := scanItem(tx.QueryRow(ctx, `UPDATE media.media_items SET state = 'ready', content_type = $2, size_bytes = $3,
width = $4, height = $5, thumbnail_key = $6, preview_key = $7, blurhash = $8, poster_state = $9, taken_at = $10,
latitude = $11, longitude = $12, completed_at = $13
WHERE asset_id = $1 AND state = 'pending' RETURNING `+itemCols, it.AssetID, r.contentType, size, width, height,
		thumbKey, previewKey, blur, poster, r.takenAt, lat, lon, a.now()))
	if errors.Is(err, pgx.ErrNoRows) { // another complete got there first
		return loadItem(ctx, a.db, it.AssetID)
	}
	if err != nil {
		return nil, fmt.Errorf("mark media item %s ready: %w", it.AssetID, err)
	}
	if err := a.env.Emit.Emit(ctx, tx, uploadedEvent(done)); err != nil {
		return nil, fmt.Errorf("emit media-asset.uploaded %s: %w", it.AssetID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit media item %s: %w", it.AssetID, err)
	}
	return done, nil
}

// fail marks a pending item failed with reason; a complete that lost the race answers the
// item as the winner left it.
func (a *app) fail(ctx context.Context, id uuid.UUID, reason string) (*item, error) {
	_, err := a.db.Exec(ctx, `UPDATE media.media_items SET state = 'failed', failure_reason = $2, completed_at = $3
WHERE asset_id = $1 AND state = 'pending'`, id, reason, a.now())
	if err != nil {
		return nil, fmt.Errorf("mark media item %s failed: %w", id, err)
	}
	a.env.Logger.Info("upload refused", "asset_id", id, "reason", reason)
	return loadItem(ctx, a.db, id)
}

// uploadedEvent is media-asset.uploaded for a ready item. The position travels only when
// the owner allowed it.
func uploadedEvent(it *item) *schemas.MediaAssetUploaded {
	album, res, trip := it.AlbumID.String(), it.ReservationID.String(), it.TripID
	ev := &schemas.MediaAssetUploaded{AssetID: it.AssetID.String(), AlbumID: &album, ReservationID: &res, TripID: &trip,
		UploadedBy: it.UploadedBy, UploaderType: it.UploaderType, MediaType: it.MediaType, ContentType: *it.ContentType,
		SizeBytes: *it.SizeBytes, ObjectKey: it.ObjectKey, Width: it.Width, Height: it.Height, TakenAt: it.TakenAt}
	if it.ShareLocation && it.Latitude != nil && it.Longitude != nil {
		ev.Position = &schemas.GeoPoint{Latitude: *it.Latitude, Longitude: *it.Longitude}
	}
	return ev
}
