package simulate

import (
	"fmt"
	"net/http"
)

// Trip media (svc-media-gallery): some guests whose trip completed upload a photo or two
// a little later, as the guest app does: it asks for a presigned upload, posts the photo
// straight to S3 with the policy's form, and tells the service the upload landed, which
// makes the thumbnails and announces the asset.

// The routes of the upload workflow.
const (
	RouteMediaUpload   = "POST /v1/uploads"
	RouteMediaComplete = "POST /v1/media/{id}/complete"
)

const (
	photoShare = 0.3 // with 1–2 photos each, ~400 uploads a day of ~840 completed trips (the spec's ~500 in peak season)
	photoDelay = 40  // events between the completion and the first upload
)

// uploadPhotos queues the photo uploads of r's guest, when they share any.
func (g *Generator) uploadPhotos(r *reservation) {
	if g.dice("photo", r.id) >= photoShare {
		return
	}
	for i := range 1 + g.pickN(2, "photos", r.id) {
		name := fmt.Sprintf("media:%s:%d", r.id, i)
		g.deferCall(photoDelay+2*i, Call{
			Route: RouteMediaUpload, Method: http.MethodPost, Path: "/v1/uploads", Caller: "guest-app", Save: name,
			Body: jsonBody(map[string]any{"reservation_id": r.id, "uploaded_by": r.guestID, "uploader_type": "GUEST",
				"content_type": "image/jpeg"}),
		}, nil)
		g.deferCall(photoDelay+2*i+1, Call{
			Route: RouteMediaComplete, Method: http.MethodPost, Path: "/v1/media/{$" + name + "}/complete", Caller: "guest-app",
			Upload: &Upload{Grant: name, Photo: fmt.Sprintf("%s/%d", r.id, i)},
		}, nil)
	}
}
