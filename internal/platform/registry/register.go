package registry

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/novatrek/support/internal/platform/compat"
)

// handleRegister is POST /subjects/{subject}/versions. A schema already live under the subject
// returns its id without a check or a new version; otherwise the candidate must pass the
// subject's compatibility level against the live versions (409 naming the field when not), and
// gets the id the same schema has anywhere in the registry, or a new one.
func (r *Registry) handleRegister(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	body, entry, aerr := readSchemaRequest(req)
	if aerr != nil {
		return nil, aerr
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.st
	s := st.subjects[subject]
	if s != nil {
		if v := st.withKey(s, entry.key, false); v != nil {
			if body.ID > 0 && body.ID != v.id {
				return nil, errIDChosen(body.ID, v.id)
			}
			return registerResponse{ID: v.id}, nil
		}
		mode := st.mode(subject, r.cfg.DefaultCompatibility)
		if err := compat.CheckVersions(mode, entry.parsed, st.live(s)); err != nil {
			r.log.InfoContext(req.Context(), "schema refused", "subject", subject, "compatibility", mode, "reason", err)
			return nil, incompatible(subject, err)
		}
	}

	id, known := st.byKey[entry.key]
	if !known {
		id = st.nextID
	}
	if body.ID > 0 && body.ID != id {
		return nil, errIDChosen(body.ID, id)
	}
	num := 1
	if s != nil {
		num = s.nextVersion()
	}
	if body.Version > 0 && body.Version != num {
		return nil, &apiError{codeOperationNotPermitted, fmt.Sprintf(
			"Version %d cannot be chosen: the next version of subject '%s' is %d (IMPORT mode is not supported)", body.Version, subject, num)}
	}

	if !known {
		st.nextID++
		entry.id = id
		st.schemas[id] = entry
		st.byKey[entry.key] = id
	}
	if s == nil {
		s = &subjectInfo{}
		st.subjects[subject] = s
	}
	s.versions = append(s.versions, &version{num: num, id: id})
	if aerr := r.commit(); aerr != nil {
		return nil, aerr
	}
	r.log.InfoContext(req.Context(), "schema registered", "subject", subject, "version", num, "id", id, "new_id", !known)
	return registerResponse{ID: id}, nil
}

type registerResponse struct {
	ID int `json:"id"`
}

// handleLookup is POST /subjects/{subject}: which version of the subject is this schema?
func (r *Registry) handleLookup(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	deleted := flag(req, "deleted")
	_, entry, aerr := readSchemaRequest(req)
	if aerr != nil {
		return nil, aerr
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := r.st.subjects[subject]
	if !s.has(deleted) {
		return nil, errSubjectNotFound(subject)
	}
	v := r.st.withKey(s, entry.key, deleted)
	if v == nil {
		return nil, errSchemaNotFound()
	}
	return r.st.subjectSchema(subject, v), nil
}

// incompatible turns a compat.Check failure into Confluent's 409.
func incompatible(subject string, err error) *apiError {
	if !errors.Is(err, compat.ErrIncompatible) {
		return errStore(fmt.Errorf("checking compatibility: %w", err))
	}
	return &apiError{codeIncompatible, fmt.Sprintf(
		"Schema being registered is incompatible with an earlier schema for subject \"%s\", details: %v", subject, err)}
}

func errIDChosen(asked, assigned int) *apiError {
	return &apiError{codeOperationNotPermitted, fmt.Sprintf(
		"Schema id %d cannot be chosen: this schema's id is %d (IMPORT mode is not supported)", asked, assigned)}
}
