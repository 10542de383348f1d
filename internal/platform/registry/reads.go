package registry

import (
	"net/http"
	"sort"
	"strings"
)

// subjectSchema is Confluent's answer for one subject version. schemaType is left out, as
// Confluent does for AVRO.
type subjectSchema struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Schema  string `json:"schema"`
}

func (st *state) subjectSchema(subject string, v *version) subjectSchema {
	return subjectSchema{Subject: subject, Version: v.num, ID: v.id, Schema: st.schemas[v.id].text}
}

// resolve finds a subject version from a path segment; deleted makes soft-deleted ones visible.
func (st *state) resolve(subject, raw string, deleted bool) (*version, *apiError) {
	num, latest, aerr := parseVersion(raw)
	if aerr != nil {
		return nil, aerr
	}
	s := st.subjects[subject]
	if !s.has(deleted) {
		return nil, errSubjectNotFound(subject)
	}
	if latest {
		return s.latest(deleted), nil
	}
	v := s.find(num, deleted)
	if v == nil {
		return nil, errVersionNotFound(num)
	}
	return v, nil
}

// schemaByID finds the schema the {id} path segment names. The caller holds r.mu.
func (r *Registry) schemaByID(req *http.Request) (*schemaEntry, *apiError) {
	id, aerr := parseID(req)
	if aerr != nil {
		return nil, aerr
	}
	e := r.st.schemas[id]
	if e == nil {
		return nil, errSchemaIDNotFound(id)
	}
	return e, nil
}

func (r *Registry) handleSchemaByID(req *http.Request) (any, *apiError) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, aerr := r.schemaByID(req)
	if aerr != nil {
		return nil, aerr
	}
	resp := struct {
		Schema string `json:"schema"`
		MaxID  int    `json:"maxId,omitempty"`
	}{Schema: e.text}
	if flag(req, "fetchMaxId") {
		for id := range r.st.schemas {
			resp.MaxID = max(resp.MaxID, id)
		}
	}
	return resp, nil
}

func (r *Registry) handleSchemaTextByID(req *http.Request) (any, *apiError) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, aerr := r.schemaByID(req)
	if aerr != nil {
		return nil, aerr
	}
	return rawJSON(e.text), nil
}

func (r *Registry) handleVersionsByID(req *http.Request) (any, *apiError) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, aerr := r.schemaByID(req)
	if aerr != nil {
		return nil, aerr
	}
	out := r.st.usages(e.id, flag(req, "deleted"))
	if out == nil {
		out = []subjectVersion{}
	}
	return out, nil
}

func (r *Registry) handleSubjectsByID(req *http.Request) (any, *apiError) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, aerr := r.schemaByID(req)
	if aerr != nil {
		return nil, aerr
	}
	out := []string{}
	for _, u := range r.st.usages(e.id, flag(req, "deleted")) {
		if len(out) == 0 || out[len(out)-1] != u.Subject {
			out = append(out, u.Subject)
		}
	}
	return out, nil
}

func (r *Registry) handleAllSchemas(req *http.Request) (any, *apiError) {
	prefix := req.URL.Query().Get("subjectPrefix")
	deleted, latestOnly := flag(req, "deleted"), flag(req, "latestOnly")
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []subjectSchema{}
	for _, name := range r.st.subjectNames() {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		s := r.st.subjects[name]
		if latestOnly {
			if v := s.latest(deleted); v != nil {
				out = append(out, r.st.subjectSchema(name, v))
			}
			continue
		}
		for _, v := range s.versions {
			if v.visible(deleted) {
				out = append(out, r.st.subjectSchema(name, v))
			}
		}
	}
	return out, nil
}

func (r *Registry) handleSubjects(req *http.Request) (any, *apiError) {
	prefix := req.URL.Query().Get("subjectPrefix")
	deleted, deletedOnly := flag(req, "deleted"), flag(req, "deletedOnly")
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{}
	for _, name := range r.st.subjectNames() {
		s := r.st.subjects[name]
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if (deletedOnly && s.allDeleted()) || (!deletedOnly && s.has(deleted)) {
			out = append(out, name)
		}
	}
	return out, nil
}

func (r *Registry) handleVersions(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	deleted, deletedOnly := flag(req, "deleted"), flag(req, "deletedOnly")
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := r.st.subjects[subject]
	if !s.has(deleted || deletedOnly) {
		return nil, errSubjectNotFound(subject)
	}
	out := []int{}
	for _, v := range s.versions {
		if (deletedOnly && v.deleted) || (!deletedOnly && v.visible(deleted)) {
			out = append(out, v.num)
		}
	}
	sort.Ints(out)
	return out, nil
}

func (r *Registry) handleVersion(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, aerr := r.st.resolve(subject, req.PathValue("version"), flag(req, "deleted"))
	if aerr != nil {
		return nil, aerr
	}
	return r.st.subjectSchema(subject, v), nil
}

func (r *Registry) handleVersionText(req *http.Request) (any, *apiError) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, aerr := r.st.resolve(req.PathValue("subject"), req.PathValue("version"), flag(req, "deleted"))
	if aerr != nil {
		return nil, aerr
	}
	return rawJSON(r.st.schemas[v.id].text), nil
}

// handleReferencedBy always answers [] once the version exists: references are not supported.
func (r *Registry) handleReferencedBy(req *http.Request) (any, *apiError) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, aerr := r.st.resolve(req.PathValue("subject"), req.PathValue("version"), flag(req, "deleted")); aerr != nil {
		return nil, aerr
	}
	return []int{}, nil
}
