package servicetest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// guestSpec is the example serving one more route, to guests: it answers who called.
func guestSpec() *service.Spec[*example] {
	spec := *exampleSpec
	spec.API.Routes = append(spec.API.Routes[:len(spec.API.Routes):len(spec.API.Routes)], service.Route[*example]{Pattern: "GET /v1/me",
		Access: service.Perm("me:read", apiauth.GuestCaller), Handle: func(_ *example, w http.ResponseWriter, r *http.Request) error {
			c, _ := apiauth.CallerFrom(r.Context())
			return json.NewEncoder(w).Encode(c)
		}})
	return &spec
}

// TestCallAsAGuest: Call(Guest(id)) authenticates as that guest with a signed token; a
// service without the permission gets 403.
func TestCallAsAGuest(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, guestSpec(), servicetest.WithTopology(exampleTopology(t)))
	guest := uuid.NewString()
	resp := svc.Call(servicetest.Guest(guest), "GET", "/v1/me", nil)
	var c apiauth.Caller
	resp.JSON(t, &c)
	if resp.Status != http.StatusOK || c.Name != apiauth.GuestCaller || c.Guest != guest {
		t.Errorf("GET /v1/me as a guest = %d %+v", resp.Status, c)
	}
	if resp := svc.Call("svc-analytics", "GET", "/v1/me", nil); resp.Status != http.StatusForbidden {
		t.Errorf("GET /v1/me as svc-analytics = %d %s", resp.Status, resp.Body)
	}
}
