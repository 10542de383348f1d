package media

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
)

// itemView is an item as the API shows it. URLs are presigned GETs valid for
// MEDIA_DOWNLOAD_TTL, present only on ready items.
type itemView struct {
	AssetID       string     `json:"asset_id"`
	AlbumID       string     `json:"album_id"`
	ReservationID string     `json:"reservation_id"`
	TripID        string     `json:"trip_id"`
	UploadedBy    string     `json:"uploaded_by"`
	UploaderType  string     `json:"uploader_type"`
	MediaType     string     `json:"media_type"`
	State         string     `json:"state"`
	FailureReason *string    `json:"failure_reason,omitempty"`
	ContentType   *string    `json:"content_type,omitempty"`
	SizeBytes     *int64     `json:"size_bytes,omitempty"`
	Width         *int       `json:"width,omitempty"`
	Height        *int       `json:"height,omitempty"`
	Blurhash      *string    `json:"blurhash,omitempty"`
	PosterState   *string    `json:"poster_state,omitempty"`
	TakenAt       *time.Time `json:"taken_at,omitempty"`
	Position      *position  `json:"position,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
	URLs          *itemURLs  `json:"urls,omitempty"`
}

type itemURLs struct {
	Thumbnail string `json:"thumbnail,omitempty"`
	Preview   string `json:"preview,omitempty"`
	Original  string `json:"original,omitempty"`
}

// view is it as shown, with download URLs when ready (the original's only if withOriginal).
// The position shows only when the owner allowed it.
func (a *app) view(ctx context.Context, it *item, withOriginal bool) (*itemView, error) {
	v := &itemView{AssetID: it.AssetID.String(), AlbumID: it.AlbumID.String(), ReservationID: it.ReservationID.String(),
		TripID: it.TripID, UploadedBy: it.UploadedBy, UploaderType: it.UploaderType, MediaType: it.MediaType, State: it.State,
		FailureReason: it.FailureReason, ContentType: it.ContentType, SizeBytes: it.SizeBytes, Width: it.Width, Height: it.Height,
		Blurhash: it.Blurhash, PosterState: it.PosterState, TakenAt: it.TakenAt, CreatedAt: it.CreatedAt, CompletedAt: it.CompletedAt}
	if it.ShareLocation && it.Latitude != nil && it.Longitude != nil {
		v.Position = &position{*it.Latitude, *it.Longitude}
	}
	if it.State != "ready" {
		return v, nil
	}
	v.URLs = &itemURLs{}
	for _, u := range []struct {
		key *string
		dst *string
	}{{it.ThumbnailKey, &v.URLs.Thumbnail}, {it.PreviewKey, &v.URLs.Preview}} {
		if u.key == nil {
			continue
		}
		s, err := a.objects.presignGet(ctx, *u.key, a.cfg.DownloadTTL)
		if err != nil {
			return nil, err
		}
		*u.dst = s
	}
	if withOriginal {
		s, err := a.objects.presignGet(ctx, it.ObjectKey, a.cfg.DownloadTTL)
		if err != nil {
			return nil, err
		}
		v.URLs.Original = s
	}
	return v, nil
}

// page is one page of a listing; NextCursor continues it, absent on the last page.
type page struct {
	Items      []*itemView `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// listTrip pages through a trip's ready items, newest first, by keyset (created_at,
// asset_id): a page costs the same however deep, and an upload landing meanwhile neither
// repeats nor skips an item.
func (a *app) listTrip(ctx context.Context, tripID string, q url.Values) (*page, error) {
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return nil, fault.Invalid("limit must be 1 to 200.").With("errors", []problem.FieldError{{Field: "limit", Reason: "must be 1 to 200"}})
		}
		limit = n
	}
	after, afterID := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), uuid.Max
	if c := q.Get("cursor"); c != "" {
		var err error
		if after, afterID, err = decodeCursor(c); err != nil {
			return nil, fault.Invalid("cursor is not one this API gave.").With("errors", []problem.FieldError{{Field: "cursor", Reason: "malformed"}})
		}
	}
	rows, err := a.db.Query(ctx, `SELECT `+itemCols+` FROM media.media_items
WHERE trip_id = $1 AND state = 'ready' AND (created_at, asset_id) < ($2, $3)
ORDER BY created_at DESC, asset_id DESC LIMIT $4`, tripID, after, afterID, limit+1)
	if err != nil {
		return nil, fmt.Errorf("list trip %s: %w", tripID, err)
	}
	items, err := collectItems(rows)
	if err != nil {
		return nil, fmt.Errorf("list trip %s: %w", tripID, err)
	}
	out := &page{Items: []*itemView{}}
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		out.NextCursor = encodeCursor(last.CreatedAt, last.AssetID)
	}
	for _, it := range items {
		v, err := a.view(ctx, it, true)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}

func encodeCursor(t time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.UTC().Format(time.RFC3339Nano) + "|" + id.String()))
}

func decodeCursor(c string) (time.Time, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	ts, idStr, ok := strings.Cut(string(b), "|")
	if !ok {
		return time.Time{}, uuid.Nil, fmt.Errorf("no separator")
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	id, err := uuid.Parse(idStr)
	return t, id, err
}
