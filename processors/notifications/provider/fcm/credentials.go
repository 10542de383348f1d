package fcm

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/processors/notifications/provider"
)

// NewFromCredentialsFile is the client of the service account whose key file is credsFile
// (its project_id the project, its token_uri the token endpoint: Google's, or the fake's in
// dev), sending through the service's declared client c (its URL, timeout and instrumented
// HTTP client; FCM's defaults when c is nil). Nil, and no error, without a file: the caller
// decides what push without credentials means.
func NewFromCredentialsFile(c *outbound.Client, credsFile string, log *slog.Logger) (*Client, error) {
	if credsFile == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(credsFile)
	if err != nil {
		return nil, fmt.Errorf("fcm: read the credentials file: %w", err)
	}
	var key struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal(raw, &key); err != nil {
		return nil, fmt.Errorf("fcm: the credentials file is not a service-account key file: %w", err)
	}
	tokens, err := NewServiceAccountTokens(ServiceAccountConfig{CredentialsJSON: raw})
	if err != nil {
		return nil, err
	}
	cfg := Config{ProjectID: key.ProjectID, Tokens: tokens, Logger: log}
	if c != nil {
		cfg.BaseURL, cfg.Timeout, cfg.HTTPClient = c.BaseURL, c.Timeout, provider.HTTPClientOf(c)
	}
	return New(cfg)
}
