package fcm

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"

	"github.com/novatrek/support/processors/notifications/provider"
)

// Scope is the OAuth2 scope FCM's send API requires.
const Scope = "https://www.googleapis.com/auth/firebase.messaging"

// DefaultTokenURL is Google's OAuth2 token endpoint, used when the key file names none.
const DefaultTokenURL = "https://oauth2.googleapis.com/token"

// ServiceAccountConfig configures ServiceAccountTokens.
type ServiceAccountConfig struct {
	// CredentialsJSON is the service account's key file as Google issues it (type
	// "service_account", client_email, private_key, private_key_id, token_uri). Required.
	CredentialsJSON []byte
	// TokenURL overrides the key file's token_uri (dev points it at the fake).
	TokenURL string
	// Timeout bounds one token request; default provider.DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the token requests; default provider.NewHTTPClient().
	HTTPClient *http.Client
	// Now is the cache's clock; default time.Now.
	Now func() time.Time
}

// serviceAccountKey is the part of a key file we read.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`
}

// ServiceAccountTokens gets access tokens by the JWT-bearer grant (RFC 7523), signed and
// exchanged by golang.org/x/oauth2/jwt, and caches each until a minute before it expires.
// The cache is ours rather than oauth2.ReuseTokenSource because FCM can revoke a token
// early and Expire must drop it. One refresh runs at a time; concurrent callers wait for
// it. It is safe for concurrent use.
type ServiceAccountTokens struct {
	conf    *jwt.Config
	client  *http.Client
	timeout time.Duration
	now     func() time.Time

	lock   chan struct{} // held while reading or refreshing the cache; a channel so waiting honours ctx
	tok    provider.Secret
	expiry time.Time
}

var _ TokenSource = (*ServiceAccountTokens)(nil)

// NewServiceAccountTokens checks the key file and returns a token source.
func NewServiceAccountTokens(cfg ServiceAccountConfig) (*ServiceAccountTokens, error) {
	var k serviceAccountKey
	if err := json.Unmarshal(cfg.CredentialsJSON, &k); err != nil {
		return nil, errors.New("fcm: service account key is not JSON") // never echo the key
	}
	if k.Type != "service_account" || k.ClientEmail == "" || k.PrivateKey == "" {
		return nil, errors.New("fcm: service account key lacks type service_account, client_email or private_key")
	}
	if err := checkRSAKey(k.PrivateKey); err != nil {
		return nil, err
	}
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		tokenURL = k.TokenURI
	}
	if tokenURL == "" {
		tokenURL = DefaultTokenURL
	}
	if u, err := url.Parse(tokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fcm: token URL %q is not an http(s) URL", tokenURL)
	}
	s := &ServiceAccountTokens{
		conf: &jwt.Config{
			Email: k.ClientEmail, PrivateKey: []byte(k.PrivateKey), PrivateKeyID: k.PrivateKeyID,
			Scopes: []string{Scope}, TokenURL: tokenURL,
		},
		client: cfg.HTTPClient, timeout: cfg.Timeout, now: cfg.Now, lock: make(chan struct{}, 1),
	}
	if s.client == nil {
		s.client = provider.NewHTTPClient()
	}
	if s.timeout <= 0 {
		s.timeout = provider.DefaultTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// checkRSAKey refuses at start a key that jwt would refuse at the first send: PEM holding
// an RSA key in PKCS#8 or PKCS#1.
func checkRSAKey(pemText string) error {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return errors.New("fcm: service account private_key is not PEM")
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return errors.New("fcm: service account private_key is neither PKCS#8 nor PKCS#1")
	}
	if _, ok := k.(*rsa.PrivateKey); !ok {
		return errors.New("fcm: service account private_key is not an RSA key")
	}
	return nil
}

// Token returns the cached token, or fetches a new one.
func (s *ServiceAccountTokens) Token(ctx context.Context) (provider.Secret, error) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return provider.Secret{}, ctx.Err()
	}
	defer func() { <-s.lock }()
	if !s.tok.IsZero() && s.now().Before(s.expiry) {
		return s.tok, nil
	}
	tok, ttl, err := s.fetch(ctx)
	if err != nil {
		return provider.Secret{}, err
	}
	s.tok, s.expiry = tok, s.now().Add(ttl-time.Minute)
	return tok, nil
}

// Expire drops tok from the cache if it is still the cached token.
func (s *ServiceAccountTokens) Expire(tok provider.Secret) {
	s.lock <- struct{}{}
	defer func() { <-s.lock }()
	if s.tok.Reveal() == tok.Reveal() {
		s.tok = provider.Secret{}
	}
}

// oauthError is the token endpoint's error body (RFC 6749 section 5.2).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func (s *ServiceAccountTokens) fetch(ctx context.Context) (provider.Secret, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// jwt posts the grant without a context; the transport gives the request ours, so a
	// caller that gives up does not wait for the token endpoint.
	hc := &http.Client{Transport: contextTransport{ctx: ctx, base: s.client}}
	tok, err := s.conf.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, hc)).Token()
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		var oe oauthError
		_ = json.Unmarshal(re.Body, &oe)
		// The description is the endpoint's text about our assertion, never the assertion.
		return provider.Secret{}, 0, fmt.Errorf("fcm: token endpoint answered %d %s: %s",
			re.Response.StatusCode, oe.Error, oe.Description)
	case err != nil:
		return provider.Secret{}, 0, fmt.Errorf("fcm: fetch access token: %w", err)
	case tok.AccessToken == "":
		return provider.Secret{}, 0, errors.New("fcm: token endpoint answered no access_token")
	}
	ttl := time.Until(tok.Expiry)
	if tok.Expiry.IsZero() || ttl < 2*time.Minute {
		ttl = 2 * time.Minute // never cache for less than the refresh margin plus a minute
	}
	return provider.NewSecret(tok.AccessToken), ttl, nil
}

// contextTransport sends each request with ctx through base.
type contextTransport struct {
	ctx  context.Context
	base *http.Client
}

func (t contextTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt := t.base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	return rt.RoundTrip(r.WithContext(t.ctx))
}
