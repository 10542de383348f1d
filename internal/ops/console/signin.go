package console

import (
	"net/http"
)

// signIn trades the operator token for a session: the cookie is HttpOnly and SameSite=Strict,
// and the token itself is never stored in the browser or shown on a page.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	id, ok := c.sessions.signIn(r.PostFormValue("token"), operatorName(r.PostFormValue("name")))
	if !ok {
		msg := "wrong operator token"
		if c.cfg.Token == "" {
			msg = "this console is read-only: it was started without an operator token"
		}
		c.cfg.Logger.WarnContext(r.Context(), "console: refused sign-in", "remote", r.RemoteAddr)
		c.fail(w, r, http.StatusUnauthorized, msg)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: c.cfg.Prefix + "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, c.cfg.Prefix+"/", http.StatusSeeOther)
}

// signOut ends the session; it needs the session's CSRF token like any write.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if _, status, msg := c.sessions.authorize(r); status != 0 {
		c.fail(w, r, status, msg)
		return
	}
	if ck, err := r.Cookie(sessionCookie); err == nil {
		c.sessions.signOut(ck.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: c.cfg.Prefix + "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, c.cfg.Prefix+"/", http.StatusSeeOther)
}
