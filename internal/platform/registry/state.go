package registry

import (
	"maps"
	"slices"
	"sort"

	"github.com/novatrek/support/internal/platform/compat"
)

// state is everything the registry knows. It is guarded by Registry.mu.
type state struct {
	nextID   int                     // next id to assign; ids are never reused
	global   compat.Mode             // set by PUT /config; "" means Config.DefaultCompatibility
	schemas  map[int]*schemaEntry    // by id
	byKey    map[string]int          // schema identity → id, so a schema has one id everywhere
	subjects map[string]*subjectInfo // includes subjects that only carry a config
}

type subjectInfo struct {
	compat   compat.Mode // "" = use the global level
	versions []*version  // ascending by number, soft-deleted ones included
}

type version struct {
	num     int
	id      int
	deleted bool // soft-deleted: hidden unless ?deleted=true, still blocks the version number
}

func newState() *state {
	return &state{
		nextID:   1,
		schemas:  map[int]*schemaEntry{},
		byKey:    map[string]int{},
		subjects: map[string]*subjectInfo{},
	}
}

// visible reports whether a version shows with or without ?deleted=true.
func (v *version) visible(deleted bool) bool { return deleted || !v.deleted }

// has reports whether the subject has a version visible under the deleted flag.
func (s *subjectInfo) has(deleted bool) bool {
	if s == nil {
		return false
	}
	for _, v := range s.versions {
		if v.visible(deleted) {
			return true
		}
	}
	return false
}

// allDeleted reports whether the subject has versions and all are soft-deleted.
func (s *subjectInfo) allDeleted() bool {
	return s != nil && len(s.versions) > 0 && !s.has(false)
}

func (s *subjectInfo) find(num int, deleted bool) *version {
	for _, v := range s.versions {
		if v.num == num && v.visible(deleted) {
			return v
		}
	}
	return nil
}

func (s *subjectInfo) latest(deleted bool) *version {
	for i := len(s.versions) - 1; i >= 0; i-- {
		if s.versions[i].visible(deleted) {
			return s.versions[i]
		}
	}
	return nil
}

// withKey returns the newest version of s, visible under the deleted flag, whose schema has
// identity key; nil when there is none.
func (st *state) withKey(s *subjectInfo, key string, deleted bool) *version {
	for i := len(s.versions) - 1; i >= 0; i-- {
		if v := s.versions[i]; v.visible(deleted) && st.schemas[v.id].key == key {
			return v
		}
	}
	return nil
}

// nextVersion is one past the highest version, soft-deleted ones included (Confluent's rule).
func (s *subjectInfo) nextVersion() int {
	if len(s.versions) == 0 {
		return 1
	}
	return s.versions[len(s.versions)-1].num + 1
}

// live returns the non-deleted versions with their parsed schemas, oldest first.
func (st *state) live(s *subjectInfo) []compat.Version {
	var out []compat.Version
	for _, v := range s.versions {
		if !v.deleted {
			out = append(out, compat.Version{Number: v.num, Schema: st.schemas[v.id].parsed})
		}
	}
	return out
}

// mode is the compatibility level that applies to subject.
func (st *state) mode(subject string, def compat.Mode) compat.Mode {
	if s := st.subjects[subject]; s != nil && s.compat != "" {
		return s.compat
	}
	if st.global != "" {
		return st.global
	}
	return def
}

// removeVersion hard-deletes v from subject and forgets its schema when no version of any
// subject uses it any more.
func (st *state) removeVersion(subject string, v *version) {
	s := st.subjects[subject]
	for i, x := range s.versions {
		if x == v {
			s.versions = append(s.versions[:i], s.versions[i+1:]...)
			break
		}
	}
	if len(s.versions) == 0 && s.compat == "" {
		delete(st.subjects, subject)
	}
	for _, other := range st.subjects {
		for _, x := range other.versions {
			if x.id == v.id {
				return
			}
		}
	}
	if e := st.schemas[v.id]; e != nil {
		delete(st.byKey, e.key)
		delete(st.schemas, v.id)
	}
}

// usages lists subject versions using id, sorted by subject then version.
func (st *state) usages(id int, deleted bool) []subjectVersion {
	var out []subjectVersion
	for name, s := range st.subjects {
		for _, v := range s.versions {
			if v.id == id && v.visible(deleted) {
				out = append(out, subjectVersion{Subject: name, Version: v.num})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Version < out[j].Version
	})
	return out
}

func (st *state) subjectNames() []string {
	return slices.Sorted(maps.Keys(st.subjects))
}

type subjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}
