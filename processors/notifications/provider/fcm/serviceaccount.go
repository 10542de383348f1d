package fcm

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

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
	// Now is the clock; default time.Now.
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

// ServiceAccountTokens exchanges a signed JWT for access tokens (RFC 7523 JWT-bearer
// grant, as Google's client libraries do) and caches each until a minute before it
// expires. One refresh runs at a time; concurrent callers wait for it. It is safe for
// concurrent use.
type ServiceAccountTokens struct {
	email, keyID, tokenURL string
	key                    *rsa.PrivateKey
	caller                 *provider.Caller
	now                    func() time.Time

	lock   chan struct{} // held while reading or refreshing the cache; a channel so waiting honours ctx
	tok    provider.Secret
	expiry time.Time
}

var _ TokenSource = (*ServiceAccountTokens)(nil)

// NewServiceAccountTokens parses the key file and returns a token source.
func NewServiceAccountTokens(cfg ServiceAccountConfig) (*ServiceAccountTokens, error) {
	var k serviceAccountKey
	if err := json.Unmarshal(cfg.CredentialsJSON, &k); err != nil {
		return nil, errors.New("fcm: service account key is not JSON") // never echo the key
	}
	if k.Type != "service_account" || k.ClientEmail == "" || k.PrivateKey == "" {
		return nil, errors.New("fcm: service account key lacks type service_account, client_email or private_key")
	}
	key, err := parseRSAKey(k.PrivateKey)
	if err != nil {
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
	caller := provider.NewCaller(provider.Caller{
		Provider: "google-oauth2", Client: cfg.HTTPClient, Timeout: cfg.Timeout, Now: cfg.Now,
	})
	return &ServiceAccountTokens{
		email: k.ClientEmail, keyID: k.PrivateKeyID, tokenURL: tokenURL, key: key,
		caller: caller, now: caller.Now, lock: make(chan struct{}, 1),
	}, nil
}

func parseRSAKey(pemText string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("fcm: service account private_key is not PEM")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, errors.New("fcm: service account private_key is not an RSA key")
	}
	if rk, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return rk, nil
	}
	return nil, errors.New("fcm: service account private_key is neither PKCS#8 nor PKCS#1")
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

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	TokenType        string `json:"token_type"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (s *ServiceAccountTokens) fetch(ctx context.Context) (provider.Secret, time.Duration, error) {
	assertion, err := s.assertion()
	if err != nil {
		return provider.Secret{}, 0, err
	}
	secret := provider.NewSecret(assertion)
	form := url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"assertion":  {assertion},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return provider.Secret{}, 0, fmt.Errorf("fcm: build token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.caller.Do(req, "", secret)
	if err != nil {
		return provider.Secret{}, 0, fmt.Errorf("fcm: fetch access token: %w", err)
	}
	var tr tokenResponse
	_ = json.Unmarshal(resp.Body, &tr)
	if resp.StatusCode != http.StatusOK || tr.AccessToken == "" {
		return provider.Secret{}, 0, fmt.Errorf("fcm: token endpoint answered %d %s: %s",
			resp.StatusCode, tr.Error, provider.Redact(tr.ErrorDescription, secret))
	}
	ttl := time.Duration(tr.ExpiresIn) * time.Second
	if ttl < 2*time.Minute {
		ttl = 2 * time.Minute // never cache for less than the refresh margin plus a minute
	}
	return provider.NewSecret(tr.AccessToken), ttl, nil
}

// assertion builds the RS256-signed JWT of the grant.
func (s *ServiceAccountTokens) assertion() (string, error) {
	now := s.now()
	header := map[string]string{"alg": "RS256", "typ": "JWT"}
	if s.keyID != "" {
		header["kid"] = s.keyID
	}
	claims := map[string]any{
		"iss": s.email, "scope": Scope, "aud": s.tokenURL,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("fcm: encode JWT header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("fcm: encode JWT claims: %w", err)
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("fcm: sign JWT: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}
