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
	order []string
}

const maxSaved = 50_000

// keep remembers the id of the resource a answered: the last segment of Location, else
// its "id" field.
func (s *savedIDs) keep(name string, a *answer) {
	id := ""
	if loc := a.Header.Get("Location"); loc != "" {
		id = path.Base(loc)
	} else {
		var v struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(a.body, &v) == nil {
			id = v.ID
		}
	}
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) >= maxSaved {
		for _, old := range s.order[:maxSaved/2] {
			delete(s.ids, old)
		}
		s.order = append([]string(nil), s.order[maxSaved/2:]...)
	}
	s.ids[name] = id
	s.order = append(s.order, name)
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
