package notifications

import (
	"errors"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/template"
)

// Problem type slugs of the template routes.
const (
	slugTemplateInvalid   = "template-invalid"
	slugTemplateVariables = "template-variable-missing"
)

type publishRequest struct {
	Channel    provider.Channel `json:"channel"`
	Locale     string           `json:"locale"`
	Subject    string           `json:"subject"`
	Body       string           `json:"body"`
	HTML       string           `json:"html"`
	Variables  []string         `json:"variables"`
	SampleData map[string]any   `json:"sample_data"`
}

type rollbackRequest struct {
	Channel provider.Channel `json:"channel"`
	Locale  string           `json:"locale"`
	Version int              `json:"version"`
}

type versionView struct {
	ID          int64            `json:"id"`
	Name        string           `json:"name"`
	Channel     provider.Channel `json:"channel"`
	Locale      string           `json:"locale"`
	Version     int              `json:"version"`
	Subject     string           `json:"subject"`
	Body        string           `json:"body"`
	HTML        string           `json:"html,omitempty"`
	Variables   []string         `json:"variables"`
	PublishedBy string           `json:"published_by"`
	PublishedAt time.Time        `json:"published_at"`
}

func viewOf(v template.Version) versionView {
	return versionView{ID: v.ID, Name: v.Name, Channel: v.Channel, Locale: v.Locale, Version: v.Version,
		Subject: v.Subject, Body: v.Body, HTML: v.HTML, Variables: v.Variables, PublishedBy: v.PublishedBy, PublishedAt: v.PublishedAt}
}

// handlePublish: POST /v1/templates/{name}/versions. The draft is rendered against its
// sample data first; a missing or undeclared variable is a 422 naming it.
func (a *app) handlePublish(w http.ResponseWriter, r *http.Request) error {
	var req publishRequest
	if err := httpedge.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Locale == "" {
		req.Locale = template.DefaultLocale
	}
	v, err := template.Publish(r.Context(), a.pool, template.Draft{
		Key:     template.Key{Name: r.PathValue("name"), Channel: req.Channel, Locale: req.Locale},
		Subject: req.Subject, Body: req.Body, HTML: req.HTML, Variables: req.Variables, SampleData: req.SampleData,
		PublishedBy: caller(r),
	})
	var ve *template.VariableError
	switch {
	case errors.As(err, &ve):
		f := fault.Unprocessable(slugTemplateVariables, "Template variables do not match", ve.Error())
		if len(ve.Missing) > 0 {
			f.With("missing", ve.Missing)
		}
		if len(ve.Undeclared) > 0 {
			f.With("undeclared", ve.Undeclared)
		}
		return f
	case errors.Is(err, template.ErrInvalid):
		return fault.Unprocessable(slugTemplateInvalid, "Template invalid", err.Error())
	case err != nil:
		return err
	}
	return httpedge.WriteJSON(w, http.StatusCreated, viewOf(v))
}

// handleRollback: POST /v1/templates/{name}/rollback makes an earlier version current
// again; notifications already rendered keep the version they recorded.
func (a *app) handleRollback(w http.ResponseWriter, r *http.Request) error {
	var req rollbackRequest
	if err := httpedge.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Locale == "" {
		req.Locale = template.DefaultLocale
	}
	if req.Version < 1 {
		return invalidField("version must be a positive integer.", "version", "missing or not positive")
	}
	v, err := template.Rollback(r.Context(), a.pool, template.Key{Name: r.PathValue("name"), Channel: req.Channel, Locale: req.Locale}, req.Version, caller(r))
	if errors.Is(err, template.ErrNotFound) {
		return fault.NotFound("Template " + r.PathValue("name") + " has no such version for that channel and locale.")
	}
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, viewOf(v))
}
