package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"

	"github.com/novatrek/support/processors/notifications/provider"
)

// SignatureHeader carries Twilio's request signature.
const SignatureHeader = "X-Twilio-Signature"

// Signature computes X-Twilio-Signature for a request to fullURL with POST params: base64
// of HMAC-SHA1 keyed by the auth token over fullURL followed by each parameter's name and
// value, sorted by name (and, for a repeated name, by value), as Twilio's own validators do.
func Signature(authToken provider.Secret, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		values := append([]string(nil), params[name]...)
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken.Reveal()))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// urlVariants returns fullURL and, like Twilio's validators, the same URL with the
// scheme's default port added or removed: Twilio signs the URL as configured, and a proxy
// in front of us may add or drop ":443".
func urlVariants(fullURL string) []string {
	u, err := url.Parse(fullURL)
	if err != nil {
		return []string{fullURL}
	}
	def := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	if def == "" {
		return []string{fullURL}
	}
	alt := *u
	if u.Port() == "" {
		alt.Host = u.Host + ":" + def
	} else if u.Port() == def {
		alt.Host = u.Hostname()
	} else {
		return []string{fullURL}
	}
	return []string{fullURL, alt.String()}
}
