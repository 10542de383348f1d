package notifications

import (
	"errors"
	"net/http"
	"slices"

	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/processors/notifications/contact"
)

var (
	typeContactInvalid = problem.Type("contact-invalid")
	typeDeviceInvalid  = problem.Type("device-invalid")
)

// contactWriters says which callers may read and write the contacts of each recipient type:
// the domain that owns those people, and the owning team (notifications-ops), which alone
// keeps STAFF contacts.
var contactWriters = map[string][]string{
	"GUEST":       {CallerGuestProfiles, CallerOps},
	"GUIDE":       {CallerScheduling, CallerOps},
	"PARK_RANGER": {CallerTrails, CallerOps},
	"RESCUE_TEAM": {CallerEmergency, CallerOps},
	"PARTNER":     {CallerPartners, CallerOps},
	"STAFF":       {CallerOps},
}

// recipient parses the {id} path value ("GUIDE:gd-17"); false after writing a 400.
func recipient(w http.ResponseWriter, r *http.Request) (contact.Recipient, bool) {
	rc, err := contact.ParseRecipient(r.PathValue("id"))
	if err != nil {
		problem.Write(w, r, problem.Validation(err.Error(), problem.FieldError{Field: "id", Reason: "not <TYPE>:<id>"}))
		return contact.Recipient{}, false
	}
	return rc, true
}

// contactRecipient is recipient, then the per-type check of contactWriters (403).
func contactRecipient(w http.ResponseWriter, r *http.Request) (contact.Recipient, bool) {
	rc, ok := recipient(w, r)
	if !ok {
		return rc, false
	}
	if !slices.Contains(contactWriters[rc.Type], caller(r)) {
		problem.Write(w, r, problem.New(http.StatusForbidden, problem.TypeForbidden, "Forbidden",
			caller(r)+" may not manage the contacts of "+rc.Type+" recipients."))
		return rc, false
	}
	return rc, true
}

// contactBody is the PUT body: every field of the contact (absent email or phone removes it).
type contactBody struct {
	Name     string  `json:"name"`
	Email    *string `json:"email"`
	Phone    *string `json:"phone"`
	Locale   string  `json:"locale"`
	TimeZone *string `json:"time_zone"`
}

// handlePutContact: PUT /v1/recipients/{id}/contact replaces the contact (idempotent); the
// delivery stage uses its email and phone for notifications naming the recipient by id.
func (a *api) handlePutContact(w http.ResponseWriter, r *http.Request) {
	rc, ok := contactRecipient(w, r)
	if !ok {
		return
	}
	var b *contactBody // nil after a JSON null
	if !decode(w, r, &b) {
		return
	}
	if b == nil || b.Name == "" && b.Email == nil && b.Phone == nil {
		// A replace with nothing to reach the person would empty the contact: that is DELETE.
		problem.Write(w, r, problem.Validation("A contact needs at least one of name, email or phone; DELETE removes a contact.",
			problem.FieldError{Field: "name", Reason: "required unless email or phone is given"}))
		return
	}
	c, err := contact.Put(r.Context(), a.pool, rc, contact.Contact{Name: b.Name, Email: b.Email, Phone: b.Phone,
		Locale: b.Locale, TimeZone: b.TimeZone}, caller(r))
	if errors.Is(err, contact.ErrInvalid) {
		problem.Write(w, r, problem.Unprocessable(typeContactInvalid, "Contact invalid", err.Error()))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// handleGetContact: GET /v1/recipients/{id}/contact; 404 when none is stored.
func (a *api) handleGetContact(w http.ResponseWriter, r *http.Request) {
	rc, ok := contactRecipient(w, r)
	if !ok {
		return
	}
	c, err := contact.Get(r.Context(), a.pool, rc)
	if errors.Is(err, contact.ErrNotFound) {
		problem.Write(w, r, problem.NotFound("No contact is stored for "+rc.String()+"."))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// handleDeleteContact: DELETE /v1/recipients/{id}/contact; 204 whether or not one was
// stored (idempotent). Devices are removed separately.
func (a *api) handleDeleteContact(w http.ResponseWriter, r *http.Request) {
	rc, ok := contactRecipient(w, r)
	if !ok {
		return
	}
	if _, err := contact.Delete(r.Context(), a.pool, rc); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deviceBody is the optional PUT body of a device.
type deviceBody struct {
	// Platform is android, ios, web or unknown (the default).
	Platform string `json:"platform"`
}

// devicesPage is the GET answer.
type devicesPage struct {
	Devices []contact.Device `json:"devices"`
}

// handlePutDevice: PUT /v1/recipients/{id}/devices/{token} registers an FCM registration
// token for the recipient: 201 when it is new to the recipient, 200 when it was already
// theirs (idempotent). A token registered to someone else moves to this recipient.
func (a *api) handlePutDevice(w http.ResponseWriter, r *http.Request) {
	rc, ok := recipient(w, r)
	if !ok {
		return
	}
	var b deviceBody
	if r.ContentLength != 0 && !decode(w, r, &b) {
		return
	}
	d, created, err := contact.Register(r.Context(), a.pool, rc, r.PathValue("token"), b.Platform, caller(r))
	if errors.Is(err, contact.ErrInvalid) {
		problem.Write(w, r, problem.Unprocessable(typeDeviceInvalid, "Device invalid", err.Error()))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, d)
}

// handleDeleteDevice: DELETE /v1/recipients/{id}/devices/{token}; 204 whether or not the
// recipient had the token (idempotent; a token now someone else's is left alone).
func (a *api) handleDeleteDevice(w http.ResponseWriter, r *http.Request) {
	rc, ok := recipient(w, r)
	if !ok {
		return
	}
	_, err := contact.Remove(r.Context(), a.pool, rc, r.PathValue("token"))
	if errors.Is(err, contact.ErrInvalid) {
		problem.Write(w, r, problem.Unprocessable(typeDeviceInvalid, "Device invalid", err.Error()))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleListDevices: GET /v1/recipients/{id}/devices, most recently registered first.
func (a *api) handleListDevices(w http.ResponseWriter, r *http.Request) {
	rc, ok := recipient(w, r)
	if !ok {
		return
	}
	devs, err := contact.Devices(r.Context(), a.pool, rc)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if devs == nil {
		devs = []contact.Device{}
	}
	writeJSON(w, http.StatusOK, devicesPage{Devices: devs})
}
