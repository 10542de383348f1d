package devstack

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
)

// apiIndex answers GET /openapi.json at the stack's root with where each service's own API
// description is: {"urls":[{"name":"svc-payments","url":"/svc-payments/openapi.json"},...]},
// the shape of Swagger UI's "urls" setting, so one page can browse every API. A service is
// listed once its API serves /openapi.json: services add their routes as they start.
type apiIndex struct {
	muxes map[string]*http.ServeMux // service name -> its API's mux
}

func (ix *apiIndex) add(name string, mux *http.ServeMux) {
	if ix.muxes == nil {
		ix.muxes = map[string]*http.ServeMux{}
	}
	ix.muxes[name] = mux
}

type apiIndexEntry struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func (ix *apiIndex) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	probe, _ := http.NewRequest(http.MethodGet, "/openapi.json", nil)
	entries := []apiIndexEntry{}
	for _, name := range slices.Sorted(maps.Keys(ix.muxes)) {
		if _, pattern := ix.muxes[name].Handler(probe); pattern != "" {
			entries = append(entries, apiIndexEntry{Name: name, URL: "/" + name + "/openapi.json"})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string][]apiIndexEntry{"urls": entries})
}
