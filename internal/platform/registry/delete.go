package registry

import (
	"fmt"
	"net/http"
)

// handleDeleteSubject is DELETE /subjects/{subject}[?permanent=true]. A soft delete hides every
// version (their ids keep resolving, so old records still decode); a permanent delete, allowed
// only after a soft one, removes them and the subject's config. Answers the version numbers.
func (r *Registry) handleDeleteSubject(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	permanent := flag(req, "permanent")
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.subjects[subject]
	if !s.has(true) {
		return nil, errSubjectNotFound(subject)
	}
	out := []int{}
	if !permanent {
		if s.allDeleted() {
			return nil, &apiError{codeSubjectSoftDeleted, fmt.Sprintf(
				"Subject '%s' was soft deleted. Set permanent=true to delete permanently", subject)}
		}
		for _, v := range s.versions {
			if !v.deleted {
				v.deleted = true
				out = append(out, v.num)
			}
		}
	} else {
		if s.has(false) {
			return nil, &apiError{codeSubjectNotSoftDeleted, fmt.Sprintf(
				"Subject '%s' was not deleted first before being permanently deleted", subject)}
		}
		s.compat = ""
		for _, v := range append([]*version(nil), s.versions...) {
			out = append(out, v.num)
			r.st.removeVersion(subject, v)
		}
	}
	if aerr := r.commit(); aerr != nil {
		return nil, aerr
	}
	r.log.InfoContext(req.Context(), "subject deleted", "subject", subject, "versions", out, "permanent", permanent)
	return out, nil
}

// handleDeleteVersion is DELETE /subjects/{subject}/versions/{version}[?permanent=true], with
// the same two steps as a subject delete. Answers the version number.
func (r *Registry) handleDeleteVersion(req *http.Request) (any, *apiError) {
	subject := req.PathValue("subject")
	raw := req.PathValue("version")
	permanent := flag(req, "permanent")
	r.mu.Lock()
	defer r.mu.Unlock()
	// A permanent delete addresses soft-deleted versions; a soft one only live versions, but
	// names an already soft-deleted one with its own error.
	v, aerr := r.st.resolve(subject, raw, true)
	if !permanent {
		if num, latest, _ := parseVersion(raw); latest && aerr == nil {
			v, aerr = r.st.resolve(subject, raw, false)
		} else if aerr == nil && v.deleted {
			return nil, &apiError{codeVersionSoftDeleted, fmt.Sprintf(
				"Subject '%s' Version %d was soft deleted. Set permanent=true to delete permanently", subject, num)}
		}
	}
	if aerr != nil {
		return nil, aerr
	}
	if permanent {
		if !v.deleted {
			return nil, &apiError{codeVersionNotSoftDeleted, fmt.Sprintf(
				"Subject '%s' Version %d was not deleted first before being permanently deleted", subject, v.num)}
		}
		r.st.removeVersion(subject, v)
	} else {
		v.deleted = true
	}
	if aerr := r.commit(); aerr != nil {
		return nil, aerr
	}
	r.log.InfoContext(req.Context(), "schema version deleted", "subject", subject, "version", v.num, "permanent", permanent)
	return v.num, nil
}
