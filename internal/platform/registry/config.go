package registry

import (
	"fmt"
	"net/http"

	"github.com/novatrek/support/internal/platform/compat"
)

// Confluent answers reads of the config as "compatibilityLevel" and echoes writes as
// "compatibility"; both shapes are kept.
type configResponse struct {
	CompatibilityLevel compat.Mode `json:"compatibilityLevel"`
}

type configRequest struct {
	Compatibility string `json:"compatibility"`
}

type configUpdate struct {
	Compatibility compat.Mode `json:"compatibility"`
}

func readConfigRequest(req *http.Request) (compat.Mode, *apiError) {
	var body configRequest
	if aerr := decodeBody(req, &body); aerr != nil {
		return "", aerr
	}
	m, err := compat.ParseMode(body.Compatibility)
	if err != nil {
		return "", errInvalidCompatibility(body.Compatibility)
	}
	return m, nil
}

func (r *Registry) handleGetGlobalConfig(*http.Request) (any, *apiError) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return configResponse{r.st.mode("", r.cfg.DefaultCompatibility)}, nil
}

func (r *Registry) handlePutGlobalConfig(req *http.Request) (any, *apiError) {
	m, aerr := readConfigRequest(req)
	if aerr != nil {
		return nil, aerr
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st.global = m
	if aerr := r.commit(); aerr != nil {
		return nil, aerr
	}
	r.log.InfoContext(req.Context(), "global compatibility set", "compatibility", m)
	return configUpdate{m}, nil
}

// handleDeleteGlobalConfig returns the global level to Config.DefaultCompatibility and answers
// the level it replaced.
func (r *Registry) handleDeleteGlobalConfig(req *http.Request) (any, *apiError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.st.mode("", r.cfg.DefaultCompatibility)
	r.st.global = ""
	if aerr := r.commit(); aerr != nil {
		return nil, aerr
	}
	r.log.InfoContext(req.Context(), "global compatibility reset", "compatibility", r.cfg.DefaultCompatibility)
	return configResponse{prev}, nil
}

// handleGetSubjectConfig answers the subject's own level; without one, 40408 unless
// ?defaultToGlobal=true asks for the level that applies.
func (r *Registry) handleGetSubjectConfig(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	r.mu.RLock()
	defer r.mu.RUnlock()
	if s := r.st.subjects[subject]; s != nil && s.compat != "" {
		return configResponse{s.compat}, nil
	}
	if flag(req, "defaultToGlobal") {
		return configResponse{r.st.mode(subject, r.cfg.DefaultCompatibility)}, nil
	}
	return nil, errNoSubjectConfig(subject)
}

func (r *Registry) handlePutSubjectConfig(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	m, aerr := readConfigRequest(req)
	if aerr != nil {
		return nil, aerr
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.subjects[subject]
	if s == nil {
		s = &subjectInfo{}
		r.st.subjects[subject] = s
	}
	s.compat = m
	if aerr := r.commit(); aerr != nil {
		return nil, aerr
	}
	r.log.InfoContext(req.Context(), "subject compatibility set", "subject", subject, "compatibility", m)
	return configUpdate{m}, nil
}

// handleDeleteSubjectConfig drops the subject's own level and answers it.
func (r *Registry) handleDeleteSubjectConfig(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.subjects[subject]
	if s == nil {
		return nil, errSubjectNotFound(subject)
	}
	if s.compat == "" {
		return nil, errNoSubjectConfig(subject)
	}
	prev := s.compat
	s.compat = ""
	if len(s.versions) == 0 {
		delete(r.st.subjects, subject)
	}
	if aerr := r.commit(); aerr != nil {
		return nil, aerr
	}
	r.log.InfoContext(req.Context(), "subject compatibility reset", "subject", subject)
	return configResponse{prev}, nil
}

func errNoSubjectConfig(subject string) *apiError {
	return &apiError{codeSubjectCompatibilityNotConfig, fmt.Sprintf(
		"Subject '%s' does not have subject-level compatibility configured", subject)}
}

// The registry has one mode, READWRITE: no IMPORT (choosing ids), no READONLY.
const modeReadWrite = "READWRITE"

type modeBody struct {
	Mode string `json:"mode"`
}

func handleGetMode(*http.Request) (any, *apiError) {
	return modeBody{modeReadWrite}, nil
}

func handlePutMode(req *http.Request) (any, *apiError) {
	var body modeBody
	if aerr := decodeBody(req, &body); aerr != nil {
		return nil, aerr
	}
	if body.Mode != modeReadWrite {
		return nil, &apiError{codeInvalidMode, fmt.Sprintf(
			"Invalid mode %q: this registry supports READWRITE only", body.Mode)}
	}
	return modeBody{modeReadWrite}, nil
}
