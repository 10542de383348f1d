package simulate

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
)

// ErrExpected wraps the answer of a call that provoked a refusal on purpose (Call.Expect:
// a guest submitting the same review twice meets 409): Run counts it as expected
// (Stats.CallsExpected), not as a failure.
var ErrExpected = errors.New("expected refusal")

// savedIDs are the ids of resources the simulated calls created (a review, a purchase
// order, a redemption), by the name the call saved them under: the server picks them, so
// the generator, which must stay deterministic, names them instead. Bounded: past
// maxSaved the oldest half is forgotten (their follow-up calls are long made).
type savedIDs struct {
	mu    sync.Mutex
	ids   map[string]string
	forms map[string]uploadForm // presigned upload forms, by the same names
	order []string
}

// uploadForm is a presigned POST an answer handed out: where to post the file and the
// signed fields to post with it.
type uploadForm struct {
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields"`
}

const maxSaved = 50_000

// keep remembers the id of the resource a answered: the last segment of Location, else
// its "id" field.
func (s *savedIDs) keep(name string, a *answer) {
	var v struct {
		ID      string      `json:"id"`
		AssetID string      `json:"asset_id"`
		Upload  *uploadForm `json:"upload"`
	}
	_ = json.Unmarshal(a.body, &v) // an answer that is not JSON names its id in Location, or none
	id := v.ID
	switch {
	case a.Header.Get("Location") != "":
		id = path.Base(a.Header.Get("Location"))
	case id == "":
		id = v.AssetID
	}
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) >= maxSaved {
		for _, old := range s.order[:maxSaved/2] {
			delete(s.ids, old)
			delete(s.forms, old)
		}
		s.order = append([]string(nil), s.order[maxSaved/2:]...)
	}
	s.ids[name] = id
	if v.Upload != nil && v.Upload.URL != "" {
		if s.forms == nil {
			s.forms = map[string]uploadForm{}
		}
		s.forms[name] = *v.Upload
	}
	s.order = append(s.order, name)
}

// form is the upload form saved as name; a name not saved (its grant failed) is an error.
func (s *savedIDs) form(name string) (uploadForm, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.forms[name]
	if !ok {
		return f, fmt.Errorf("no upload form saved as %q: the call granting it failed", name)
	}
	return f, nil
}

// fill replaces each {$name} of p with the saved id; a name not saved (its creating call
// failed) is an error.
func (s *savedIDs) fill(p string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		i := strings.Index(p, "{$")
		if i < 0 {
			return p, nil
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unclosed {$ in %q", p)
		}
		name := p[i+2 : i+j]
		id, ok := s.ids[name]
		if !ok {
			return "", fmt.Errorf("no id saved as %q: the call creating it failed", name)
		}
		p = p[:i] + id + p[i+j+1:]
	}
}
