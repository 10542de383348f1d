package notifications

import (
	"errors"
	"net/http"
	"slices"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/processors/notifications/contact"
)

// Problem type slugs of the contact and device routes.
const (
	slugContactInvalid = "contact-invalid"
	slugDeviceInvalid  = "device-invalid"
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

// recipient parses the {id} path value ("GUIDE:gd-17"); a malformed one is a 400.
func recipient(r *http.Request) (contact.Recipient, error) {
	rc, err := contact.ParseRecipient(r.PathValue("id"))
	if err != nil {
		return rc, invalidField(err.Error(), "id", "not <TYPE>:<id>")
	}
	return rc, nil
}

// contactRecipient is recipient, then the per-type check of contactWriters: a 403 like
// the edge's, which knows only the route's permission, not the recipient's type.
func contactRecipient(r *http.Request) (contact.Recipient, error) {
	rc, err := recipient(r)
	if err != nil {
		return rc, err
	}
	if !slices.Contains(contactWriters[rc.Type], caller(r)) {
		return rc, problem.New(http.StatusForbidden, problem.TypeForbidden, "Forbidden",
			caller(r)+" may not manage the contacts of "+rc.Type+" recipients.")
	}
	return rc, nil
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
func (a *app) handlePutContact(w http.ResponseWriter, r *http.Request) error {
	rc, err := contactRecipient(r)
	if err != nil {
		return err
	}
	var b *contactBody // nil after a JSON null
	if err := httpedge.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b == nil || b.Name == "" && b.Email == nil && b.Phone == nil {
		// A replace with nothing to reach the person would empty the contact: that is DELETE.
		return invalidField("A contact needs at least one of name, email or phone; DELETE removes a contact.",
			"name", "required unless email or phone is given")
	}
	c, err := contact.Put(r.Context(), a.pool, rc, contact.Contact{Name: b.Name, Email: b.Email, Phone: b.Phone,
		Locale: b.Locale, TimeZone: b.TimeZone}, caller(r))
	if errors.Is(err, contact.ErrInvalid) {
		return fault.Unprocessable(slugContactInvalid, "Contact invalid", err.Error())
	}
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, c)
}

// handleGetContact: GET /v1/recipients/{id}/contact; 404 when none is stored.
func (a *app) handleGetContact(w http.ResponseWriter, r *http.Request) error {
	rc, err := contactRecipient(r)
	if err != nil {
		return err
	}
	c, err := contact.Get(r.Context(), a.pool, rc)
	if errors.Is(err, contact.ErrNotFound) {
		return fault.NotFound("No contact is stored for " + rc.String() + ".")
	}
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, c)
}

// handleDeleteContact: DELETE /v1/recipients/{id}/contact; 204 whether or not one was
// stored (idempotent). Devices are removed separately.
func (a *app) handleDeleteContact(w http.ResponseWriter, r *http.Request) error {
	rc, err := contactRecipient(r)
	if err != nil {
		return err
	}
	if _, err := contact.Delete(r.Context(), a.pool, rc); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
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
// theirs (idempotent). A token registered to someone else moves to this recipient. The
// body is optional (an empty one decodes as {}).
func (a *app) handlePutDevice(w http.ResponseWriter, r *http.Request) error {
	rc, err := recipient(r)
	if err != nil {
		return err
	}
	var b deviceBody
	if err := httpedge.DecodeJSON(r, &b); err != nil {
		return err
	}
	d, created, err := contact.Register(r.Context(), a.pool, rc, r.PathValue("token"), b.Platform, caller(r))
	if errors.Is(err, contact.ErrInvalid) {
		return fault.Unprocessable(slugDeviceInvalid, "Device invalid", err.Error())
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpedge.WriteJSON(w, status, d)
}

// handleDeleteDevice: DELETE /v1/recipients/{id}/devices/{token}; 204 whether or not the
// recipient had the token (idempotent; a token now someone else's is left alone).
func (a *app) handleDeleteDevice(w http.ResponseWriter, r *http.Request) error {
	rc, err := recipient(r)
	if err != nil {
		return err
	}
	_, err = contact.Remove(r.Context(), a.pool, rc, r.PathValue("token"))
	if errors.Is(err, contact.ErrInvalid) {
		return fault.Unprocessable(slugDeviceInvalid, "Device invalid", err.Error())
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleListDevices: GET /v1/recipients/{id}/devices, most recently registered first.
func (a *app) handleListDevices(w http.ResponseWriter, r *http.Request) error {
	rc, err := recipient(r)
	if err != nil {
		return err
	}
	devs, err := contact.Devices(r.Context(), a.pool, rc)
	if err != nil {
		return err
	}
	if devs == nil {
		devs = []contact.Device{}
	}
	return httpedge.WriteJSON(w, http.StatusOK, devicesPage{Devices: devs})
}
