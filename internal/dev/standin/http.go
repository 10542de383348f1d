package standin

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/problem"
)

// standIn is one stood-in service of another domain: its name, as topics.yaml's services
// list declares it (once, here), and its routes relative to its base URL.
type standIn struct {
	service string
	routes  []route
}

// route is a pattern ("GET /v1/items/{sku}") and its handler over the store.
type route struct {
	pattern string
	handle  func(*Store) http.HandlerFunc
}

// standIns are the stood-in services; each is served under /<service>/ (Prefixes).
var standIns = []standIn{
	{"svc-reservations", []route{{"GET /v1/reservations/{id}", reservation}}},
	{"svc-guest-profiles", []route{{"GET /v1/guests/{id}", guest}}},
	{"svc-gear-inventory", []route{{"GET /v1/items", items}, {"GET /v1/items/{sku}", catalogItem}}},
}

// Services lists the stood-in services' names, as topics.yaml names them.
func Services() []string {
	out := make([]string, len(standIns))
	for i, s := range standIns {
		out[i] = s.service
	}
	return out
}

// Prefixes are the path prefixes the stand-ins serve, "/<service>/" for each of Services;
// the dev stack mounts Handler under each.
func Prefixes() []string {
	out := Services()
	for i, s := range out {
		out[i] = "/" + s + "/"
	}
	return out
}

// Routes lists every route served, with its service's prefix: "GET /svc-x/v1/...".
func Routes() []string {
	var out []string
	for _, s := range standIns {
		for _, r := range s.routes {
			method, path, _ := strings.Cut(r.pattern, " ")
			out = append(out, method+" /"+s.service+path)
		}
	}
	return out
}

// Handler serves the stand-ins' routes (see the package documentation) from store.
func Handler(store *Store) http.Handler {
	mux := http.NewServeMux()
	for _, s := range standIns {
		for _, r := range s.routes {
			method, path, _ := strings.Cut(r.pattern, " ")
			mux.HandleFunc(method+" /"+s.service+path, r.handle(store))
		}
	}
	// Anything else under the stand-ins' prefixes: a problem, not the mux's plain text.
	served := "the dev stand-ins serve " + strings.Join(Routes(), ", ")
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, problem.NotFound(served))
	})
	return mux
}

func reservation(store *Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := uuidParam(w, r, "reservation id")
		if !ok {
			return
		}
		res, found := store.Reservation(id)
		if !found || res.Status == "" {
			problem.Write(w, r, problem.NotFound("no reservation "+id+" was published"))
			return
		}
		res.TripType = simulate.TripType(res.TripID)
		writeJSON(w, res)
	}
}

func guest(store *Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
	}
}

func items(*Store) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"items": Catalog})
	}
}

func catalogItem(*Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sku := r.PathValue("sku")
		it, found := item(sku)
		if !found {
			problem.Write(w, r, problem.NotFound("no catalog item "+sku))
			return
		}
		writeJSON(w, it)
	}
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
