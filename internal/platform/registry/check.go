package registry

import (
	"errors"
	"net/http"

	"github.com/novatrek/support/internal/platform/compat"
)

type checkResponse struct {
	IsCompatible bool     `json:"is_compatible"`
	Messages     []string `json:"messages,omitempty"`
}

// handleCheckVersion is POST /compatibility/subjects/{subject}/versions/{version}: would the
// schema pass the subject's level against that one version? (Against one version the
// transitive levels mean the same as the plain ones.) ?verbose=true adds the reasons.
func (r *Registry) handleCheckVersion(req *http.Request) (any, *apiError) {
	return r.check(req, true)
}

// handleCheckAll is POST /compatibility/subjects/{subject}/versions: would registration pass?
func (r *Registry) handleCheckAll(req *http.Request) (any, *apiError) {
	return r.check(req, false)
}

func (r *Registry) check(req *http.Request, oneVersion bool) (any, *apiError) {
	subject := req.PathValue("subject")
	_, entry, aerr := readSchemaRequest(req)
	if aerr != nil {
		return nil, aerr
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var against []compat.Version
	if oneVersion {
		v, aerr := r.st.resolve(subject, req.PathValue("version"), false)
		if aerr != nil {
			return nil, aerr
		}
		against = []compat.Version{{Number: v.num, Schema: r.st.schemas[v.id].parsed}}
	} else if s := r.st.subjects[subject]; s != nil {
		against = r.st.live(s)
	}
	err := compat.CheckVersions(r.st.mode(subject, r.cfg.DefaultCompatibility), entry.parsed, against)
	if err == nil {
		return checkResponse{IsCompatible: true}, nil
	}
	var ie *compat.IncompatibleError
	if !errors.As(err, &ie) {
		return nil, errStore(err)
	}
	resp := checkResponse{IsCompatible: false}
	if flag(req, "verbose") {
		resp.Messages = ie.Messages()
	}
	return resp, nil
}
