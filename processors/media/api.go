package media

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/service"
)

// Callers. guest-app is the guest and guide apps' backend, which authenticates the person
// and passes their id (uploaded_by, created_by); svc-analytics reads media assets (the
// spec's Data Ownership table).
const (
	CallerApp       = "guest-app"
	CallerAnalytics = "svc-analytics"
)

var (
	accessUpload = service.Perm("media:upload", CallerApp)
	accessRead   = service.Perm("media:read", CallerApp, CallerAnalytics)
	accessShare  = service.Perm("media:share", CallerApp)
)

// routes are the API; openapi.json documents the same list (a test checks it).
var routes = []service.Route[*app]{
	{Pattern: "POST /v1/uploads", Access: accessUpload, Handle: (*app).handleRequestUpload},
	{Pattern: "POST /v1/media/{id}/complete", Access: accessUpload, Handle: (*app).handleComplete},
	{Pattern: "GET /v1/media/{id}", Access: accessRead, Handle: (*app).handleGetItem},
	{Pattern: "DELETE /v1/media/{id}", Access: accessDelete, Handle: (*app).handleDelete},
	{Pattern: "GET /v1/trips/{trip_id}/media", Access: accessRead, Handle: (*app).handleListTrip},
	{Pattern: "POST /v1/share-links", Access: accessShare, Handle: (*app).handleCreateShareLink},
	{Pattern: "DELETE /v1/share-links/{id}", Access: accessShare, Handle: (*app).handleRevokeShareLink},
	{Pattern: "POST /v1/share-links/open", Access: accessShare, Handle: (*app).handleOpenShareLink},
}

func (a *app) handleRequestUpload(w http.ResponseWriter, r *http.Request) error {
	var req uploadRequest
	if err := httpedge.DecodeJSON(r, &req); err != nil {
		return err
	}
	g, err := a.requestUpload(r.Context(), req)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusCreated, g)
}

func (a *app) handleComplete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "media item")
	if err != nil {
		return err
	}
	it, err := a.complete(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := a.view(r.Context(), it, true)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, v)
}

func (a *app) handleGetItem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "media item")
	if err != nil {
		return err
	}
	it, err := loadItem(r.Context(), a.db, id)
	if err != nil {
		return err
	}
	v, err := a.view(r.Context(), it, true)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, v)
}

func (a *app) handleListTrip(w http.ResponseWriter, r *http.Request) error {
	page, err := a.listTrip(r.Context(), r.PathValue("trip_id"), r.URL.Query())
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, page)
}

func (a *app) handleCreateShareLink(w http.ResponseWriter, r *http.Request) error {
	var req shareRequest
	if err := httpedge.DecodeJSON(r, &req); err != nil {
		return err
	}
	l, err := a.createShareLink(r.Context(), req)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusCreated, l)
}

func (a *app) handleRevokeShareLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "share link")
	if err != nil {
		return err
	}
	if err := a.revokeShareLink(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// openRequest carries the token and password in the body, not the URL, so neither lands in
// access logs.
type openRequest struct {
	Token    string `json:"token"`
	Password string `json:"password,omitempty"`
}

func (a *app) handleOpenShareLink(w http.ResponseWriter, r *http.Request) error {
	var req openRequest
	if err := httpedge.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return fault.Invalid("token is required.")
	}
	items, err := a.openShareLink(r.Context(), req.Token, req.Password)
	if err != nil {
		return err
	}
	out := page{Items: []*itemView{}}
	for _, it := range items {
		// A shared original would carry its EXIF location: only when the owner allowed it.
		v, err := a.view(r.Context(), it, it.ShareLocation)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, v)
	}
	return httpedge.WriteJSON(w, http.StatusOK, out)
}

// pathID parses the {name} path value: not a UUID is a 404 naming the kind.
func pathID(r *http.Request, name, kind string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil {
		return uuid.Nil, fault.NotFound("No " + kind + " " + r.PathValue(name) + ".")
	}
	return id, nil
}
