package devstack

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
)

// apiIndex answers GET /openapi.json at the stack's root with where each service's own API
// description is: {"urls":[{"name":"svc-payments","url":"/svc-payments/openapi.json"},...]},
// the shape of Swagger UI's "urls" setting, so one page can browse every API. A service is
// listed once its API serves /openapi.json: services add their routes as they start.
type apiIndex struct {
	apis map[string]http.Handler // service name -> its API
}

func (ix *apiIndex) add(name string, api http.Handler) {
	if ix.apis == nil {
		ix.apis = map[string]http.Handler{}
	}
	ix.apis[name] = api
}

type apiIndexEntry struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func (ix *apiIndex) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	entries := []apiIndexEntry{}
	for _, name := range slices.Sorted(maps.Keys(ix.apis)) {
		rec := httptest.NewRecorder()
		ix.apis[name].ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
		if rec.Code == http.StatusOK {
			entries = append(entries, apiIndexEntry{Name: name, URL: "/" + name + "/openapi.json"})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string][]apiIndexEntry{"urls": entries})
}
