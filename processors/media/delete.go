package media

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/service"
)

// CallerModeration is the staff back office that takes down any media item (a complaint,
// a photo of someone who did not consent); guests and guides delete their own through
// guest-app.
const CallerModeration = "media-moderation"

var accessDelete = service.Perm("media:delete", CallerApp, CallerModeration)

// handleDelete is DELETE /v1/media/{id}?requested_by=<person>: guest-app may delete only
// an item requested_by uploaded; media-moderation any, naming the staff member.
func (a *app) handleDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "media item")
	if err != nil {
		return err
	}
	by := r.URL.Query().Get("requested_by")
	if by == "" || len(by) > 100 {
		return fault.Invalid("The delete request is invalid.").
			With("errors", []problem.FieldError{{Field: "requested_by", Reason: "must be the id of the person deleting, 1 to 100 characters"}})
	}
	c, _ := apiauth.CallerFrom(r.Context())
	if err := a.deleteItem(r.Context(), id, by, c.Name == CallerModeration); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteItem takes item id down for by (staff: any item; else only its uploader's): the
// row becomes a 'deleted' tombstone, which no listing, share link or download shows, and
// then its original and renditions are removed from the bucket. Deleting again repeats the
// removal (a failed one is retried that way). No event says so: topics.yaml has no
// media-asset deletion event, so svc-analytics keeps the upload it counted.
//
// A pending item cannot be deleted: its complete may be writing renditions at that moment,
// which would outlive the removal; it becomes ready, failed or expired within
// MEDIA_UPLOAD_TTL and MEDIA_SWEEP_AGE.
func (a *app) deleteItem(ctx context.Context, id uuid.UUID, by string, staff bool) error {
	it, err := loadItem(ctx, a.db, id)
	if err != nil {
		return err
	}
	if !staff && it.UploadedBy != by {
		return fault.Forbidden("not-the-owner", "Not the owner", fmt.Sprintf("Media item %s was uploaded by someone else.", id))
	}
	tag, err := a.db.Exec(ctx, `UPDATE media.media_items SET state = 'deleted', deleted_at = COALESCE(deleted_at, $2),
deleted_by = COALESCE(deleted_by, $3) WHERE asset_id = $1 AND state <> 'pending'`, id, a.now(), by)
	if err != nil {
		return fmt.Errorf("delete media item %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fault.Conflict("media-pending", "Upload not finished",
			fmt.Sprintf("Media item %s is still waiting for its upload; delete it once it is ready, failed or expired.", id))
	}
	keys := []string{it.ObjectKey}
	for _, k := range []*string{it.ThumbnailKey, it.PreviewKey} {
		if k != nil {
			keys = append(keys, *k)
		}
	}
	if err := a.objects.remove(ctx, keys...); err != nil {
		return fault.Unavailable("object-store-unavailable", "Object store unavailable",
			"The item is deleted but its files could not all be removed; delete it again.").Because(err)
	}
	a.env.Logger.InfoContext(ctx, "media item deleted", "asset_id", id, "by_staff", staff)
	return nil
}
