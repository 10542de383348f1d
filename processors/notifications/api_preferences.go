package notifications

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
)

// slugPreferencesInvalid is the problem type slug of refused preferences.
const slugPreferencesInvalid = "preferences-invalid"

// handleGetPreferences: GET /v1/recipients/{id}/preferences; the defaults when none stored.
func (a *app) handleGetPreferences(w http.ResponseWriter, r *http.Request) error {
	p, err := preference.Get(r.Context(), a.pool, r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, listed(p))
}

// handlePutPreferences: PUT /v1/recipients/{id}/preferences replaces them. Opting out of
// a safety-critical category is a 422: those always reach the recipient.
func (a *app) handlePutPreferences(w http.ResponseWriter, r *http.Request) error {
	var p preference.Preferences
	if err := httpedge.DecodeJSON(r, &p); err != nil {
		return err
	}
	p.RecipientID = r.PathValue("id")
	// An empty time_zone stays empty: quiet hours then follow the recipient's contact zone
	// (else UTC) rather than being pinned to UTC here.
	if err := p.Validate(); err != nil {
		return fault.Unprocessable(slugPreferencesInvalid, "Preferences invalid", err.Error())
	}
	out, err := preference.Put(r.Context(), a.pool, p)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, listed(out))
}

// listed is p with its opt-outs as empty lists rather than null: the document promises
// arrays, and clients iterate them.
func listed(p preference.Preferences) preference.Preferences {
	if p.OptedOutChannels == nil {
		p.OptedOutChannels = []provider.Channel{}
	}
	if p.OptedOutCategories == nil {
		p.OptedOutCategories = []preference.Category{}
	}
	return p
}
