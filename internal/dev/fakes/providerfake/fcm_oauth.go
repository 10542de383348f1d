package providerfake

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"time"
)

const fcmScope = "https://www.googleapis.com/auth/firebase.messaging"

// ServiceAccountJSON returns a service-account key file (as Google issues them) whose
// token_uri is tokenURL, normally this fake's /token under its base URL.
func (f *FCM) ServiceAccountJSON(tokenURL string) []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(f.saKey) // cannot fail for an RSA key
	key := map[string]string{
		"type":           "service_account",
		"project_id":     f.cfg.ProjectID,
		"private_key_id": "fake-key-1",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   f.saMail,
		"client_id":      "100000000000000000000",
		"token_uri":      tokenURL,
	}
	b, _ := json.Marshal(key)
	return b
}

func oauthError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

// token serves the JWT-bearer grant: it verifies the assertion's RS256 signature with the
// service account's key and its claims, and issues an access token valid for an hour.
func (f *FCM) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "malformed form")
		return
	}
	if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		oauthError(w, "unsupported_grant_type", "Invalid grant_type")
		return
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		oauthError(w, "invalid_grant", "Invalid JWT")
		return
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err != nil || rsa.VerifyPKCS1v15(&f.saKey.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		oauthError(w, "invalid_grant", "Invalid JWT Signature.")
		return
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Iss   string `json:"iss"`
		Scope string `json:"scope"`
		Aud   string `json:"aud"`
		Exp   int64  `json:"exp"`
		Iat   int64  `json:"iat"`
	}
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		oauthError(w, "invalid_grant", "Invalid JWT claims")
		return
	}
	now := time.Now()
	switch {
	case claims.Iss != f.saMail:
		oauthError(w, "invalid_grant", "Invalid issuer")
	case !strings.Contains(" "+claims.Scope+" ", " "+fcmScope+" "):
		oauthError(w, "invalid_scope", "firebase.messaging scope missing")
	case claims.Exp < now.Unix() || claims.Iat > now.Add(5*time.Minute).Unix() || claims.Exp-claims.Iat > 3600:
		oauthError(w, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")
	default:
		tok := "ya29.fake-" + b64ID(24)
		f.mu.Lock()
		f.tokens[tok] = now.Add(time.Hour)
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
	}
}
