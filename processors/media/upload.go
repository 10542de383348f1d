package media

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
)

// uploadRequest is what a guest's or guide's app asks for: room for one file of a trip.
type uploadRequest struct {
	ReservationID string `json:"reservation_id"`
	UploadedBy    string `json:"uploaded_by"`
	UploaderType  string `json:"uploader_type"`
	ContentType   string `json:"content_type"`
	// ShareLocation lets the photo's position travel with it (API, event, originals behind
	// share links); off, the position stays private to the owner.
	ShareLocation bool `json:"share_location"`
}

// uploadGrant answers an uploadRequest: the new item and the POST that fills it.
type uploadGrant struct {
	AssetID string      `json:"asset_id"`
	AlbumID string      `json:"album_id"`
	Upload  *uploadForm `json:"upload"`
}

// requestUpload checks the uploader took part in the trip and answers a presigned POST bound
// to one new key, the declared content type and the type's size limit, expiring after
// MEDIA_UPLOAD_TTL. The item waits as pending until complete (or the sweep) finds its bytes.
func (a *app) requestUpload(ctx context.Context, req uploadRequest) (*uploadGrant, error) {
	var fields []problem.FieldError
	resID, err := uuid.Parse(req.ReservationID)
	if err != nil {
		fields = append(fields, problem.FieldError{Field: "reservation_id", Reason: "must be a UUID"})
	}
	mediaType, ok := acceptedTypes[req.ContentType]
	if !ok {
		fields = append(fields, problem.FieldError{Field: "content_type", Reason: "must be one of image/jpeg, image/png, image/webp, image/heic, video/mp4, video/quicktime"})
	}
	if req.UploaderType != "GUEST" && req.UploaderType != "GUIDE" {
		fields = append(fields, problem.FieldError{Field: "uploader_type", Reason: "must be GUEST or GUIDE"})
	}
	if req.UploadedBy == "" || len(req.UploadedBy) > 100 {
		fields = append(fields, problem.FieldError{Field: "uploaded_by", Reason: "must be the uploader's id, 1 to 100 characters"})
	}
	if len(fields) > 0 {
		return nil, fault.Invalid("The upload request is invalid.").With("errors", fields)
	}
	var guestID uuid.UUID
	var tripID, status string
	err = a.db.QueryRow(ctx, `SELECT guest_id, trip_id, status FROM media.reservations WHERE reservation_id = $1`, resID).Scan(&guestID, &tripID, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Unprocessable("reservation-unknown", "Reservation unknown",
			fmt.Sprintf("No reservation %s has been confirmed.", resID)).With("reservation_id", resID.String())
	}
	if err != nil {
		return nil, fmt.Errorf("load reservation %s: %w", resID, err)
	}
	if !uploadStatuses[status] {
		return nil, fault.Unprocessable("reservation-not-eligible", "Reservation not eligible",
			fmt.Sprintf("Reservation %s is %s; uploads need CONFIRMED or COMPLETED.", resID, status)).With("status", status)
	}
	// A guide's assignment is not on the reservation events, so a guide may upload for any
	// reservation of a running trip; a guest only for their own.
	if req.UploaderType == "GUEST" && req.UploadedBy != guestID.String() {
		return nil, fault.Forbidden("not-a-participant", "Not a participant",
			fmt.Sprintf("Reservation %s is not the uploader's.", resID))
	}
	maxBytes := a.cfg.MaxPhotoBytes
	if mediaType == "VIDEO" {
		maxBytes = a.cfg.MaxVideoBytes
	}
	assetID := uuid.New()
	key := "originals/" + assetID.String() + extensions[req.ContentType]
	expires := a.now().Add(a.cfg.UploadTTL).Truncate(time.Second)
	form, err := a.objects.presignUpload(ctx, key, req.ContentType, maxBytes, expires)
	if err != nil {
		return nil, fault.Unavailable("object-store-unavailable", "Object store unavailable", "The upload could not be prepared.").Because(err)
	}
	albumID, err := a.albumOf(ctx, tripID)
	if err != nil {
		return nil, err
	}
	_, err = a.db.Exec(ctx, `INSERT INTO media.media_items (asset_id, album_id, reservation_id, trip_id, uploaded_by, uploader_type,
media_type, declared_type, max_bytes, object_key, share_location, upload_expires, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, assetID, albumID, resID, tripID, req.UploadedBy, req.UploaderType,
		mediaType, req.ContentType, maxBytes, key, req.ShareLocation, expires, a.now())
	if err != nil {
		return nil, fmt.Errorf("record upload %s: %w", assetID, err)
	}
	return &uploadGrant{AssetID: assetID.String(), AlbumID: albumID.String(), Upload: form}, nil
}

// albumOf is the trip's album, made on its first upload. When another request makes it at
// the same moment, this statement's snapshot cannot see that row: the second try does.
func (a *app) albumOf(ctx context.Context, tripID string) (uuid.UUID, error) {
	var id uuid.UUID
	var err error
	for try := 0; try < 2; try++ {
		if err = a.makeAlbum(ctx, tripID, &id); !errors.Is(err, pgx.ErrNoRows) {
			break
		}
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("album of trip %s: %w", tripID, err)
	}
	return id, nil
}

func (a *app) makeAlbum(ctx context.Context, tripID string, id *uuid.UUID) error {
	return a.db.QueryRow(ctx, `WITH made AS (
  INSERT INTO media.albums (album_id, trip_id, title) VALUES ($1, $2, $3) ON CONFLICT (trip_id) DO NOTHING RETURNING album_id)
SELECT album_id FROM made UNION ALL SELECT album_id FROM media.albums WHERE trip_id = $2 LIMIT 1`,
		uuid.New(), tripID, "Trip "+tripID).Scan(id)
}
