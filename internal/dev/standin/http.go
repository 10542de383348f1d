package standin

import (
	"encoding/json"
	"net/http"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/problem"
)

// Prefixes are the path prefixes the stand-ins serve, one per stood-in service; the dev
// stack mounts Handler under each.
var Prefixes = []string{"/svc-reservations/", "/svc-guest-profiles/", "/svc-gear-inventory/"}

// Handler serves the stand-ins' endpoints (see the package documentation) from store.
func Handler(store *Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /svc-reservations/v1/reservations/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := uuidParam(w, r, "reservation id")
		if !ok {
			return
		}
		res, found := store.Reservation(id)
		if !found || res.Status == "" {
			problem.Write(w, r, problem.NotFound("no reservation "+id+" was published"))
			return
		}
		writeJSON(w, res)
	})
	mux.HandleFunc("GET /svc-guest-profiles/v1/guests/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := uuidParam(w, r, "guest id")
		if !ok {
			return
		}
		g, found := store.Guest(id)
		if !found {
			problem.Write(w, r, problem.NotFound("no guest "+id+" registered"))
			return
		}
		writeJSON(w, g)
	})
	mux.HandleFunc("GET /svc-gear-inventory/v1/items", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"items": Catalog})
	})
	mux.HandleFunc("GET /svc-gear-inventory/v1/items/{sku}", func(w http.ResponseWriter, r *http.Request) {
		sku := r.PathValue("sku")
		it, found := item(sku)
		if !found {
			problem.Write(w, r, problem.NotFound("no catalog item "+sku))
			return
		}
		writeJSON(w, it)
	})
	// Anything else under the stand-ins' prefixes: a problem, not the mux's plain text.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, problem.NotFound("the dev stand-ins serve GET /svc-reservations/v1/reservations/{id}, "+
			"GET /svc-guest-profiles/v1/guests/{id}, GET /svc-gear-inventory/v1/items[/{sku}]"))
	})
	return mux
}

// uuidParam returns the {id} path value, or writes a 400 problem naming what is malformed.
func uuidParam(w http.ResponseWriter, r *http.Request, what string) (string, bool) {
	raw := r.PathValue("id")
	id, err := uuid.Parse(raw)
	if err != nil {
		problem.Write(w, r, problem.Validation(what+" "+raw+" is not a UUID",
			problem.FieldError{Field: "id", Reason: "not a UUID"}))
		return "", false
	}
	return id.String(), true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
