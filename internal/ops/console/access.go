package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
)

// sessionCookie carries an operator's session id; the session holds the CSRF token.
const sessionCookie = "novatrek_console"

// operator is a signed-in operator: who they said they are (recorded in audit trails) and
// the CSRF token their write forms must carry.
type operator struct {
	Name string
	CSRF string
}

// sessions are the signed-in operators by session id, in memory: a restart signs everyone
// out, which is the safe side for a tool that moves offsets.
type sessions struct {
	token string
	mu    sync.Mutex
	byID  map[string]operator
}

func randomHex() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// signIn checks token and returns a new session id, or "" when the token is wrong or the
// console has none.
func (s *sessions) signIn(token, name string) (string, bool) {
	if s.token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.token)) != 1 {
		return "", false
	}
	id := randomHex()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[id] = operator{Name: name, CSRF: randomHex()}
	return id, true
}

func (s *sessions) signOut(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// of returns the operator of r's session cookie, if any.
func (s *sessions) of(r *http.Request) (operator, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return operator{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.byID[c.Value]
	return op, ok
}

// authorize is the gate of every write: the request must come from a signed-in operator
// (401 otherwise) and carry that session's CSRF token in the form field csrf (403
// otherwise), so another site cannot make an operator's browser write.
func (s *sessions) authorize(r *http.Request) (operator, int, string) {
	op, ok := s.of(r)
	if !ok {
		if s.token == "" {
			return op, http.StatusForbidden, "this console is read-only: it was started without an operator token"
		}
		return op, http.StatusUnauthorized, "sign in with the operator token to do this"
	}
	got := r.PostFormValue("csrf")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(op.CSRF)) != 1 {
		return op, http.StatusForbidden, "the form's CSRF token is missing or stale; reload the page and try again"
	}
	return op, 0, ""
}

// operatorName is what a sign-in form's name becomes in the audit trail.
func operatorName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "operator"
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return name + " (console)"
}
