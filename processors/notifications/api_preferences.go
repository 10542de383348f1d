package notifications

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/processors/notifications/preference"
)

var typePreferencesInvalid = problem.Type("preferences-invalid")

// handleGetPreferences: GET /v1/recipients/{id}/preferences; the defaults when none stored.
func (a *api) handleGetPreferences(w http.ResponseWriter, r *http.Request) {
	p, err := preference.Get(r.Context(), a.pool, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// handlePutPreferences: PUT /v1/recipients/{id}/preferences replaces them. Opting out of
// a safety-critical category is a 422: those always reach the recipient.
func (a *api) handlePutPreferences(w http.ResponseWriter, r *http.Request) {
	var p preference.Preferences
	if !decode(w, r, &p) {
		return
	}
	p.RecipientID = r.PathValue("id")
	// An empty time_zone stays empty: quiet hours then follow the recipient's contact zone
	// (else UTC) rather than being pinned to UTC here.
	if err := p.Validate(); err != nil {
		problem.Write(w, r, problem.Unprocessable(typePreferencesInvalid, "Preferences invalid", err.Error()))
		return
	}
	out, err := preference.Put(r.Context(), a.pool, p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
