package service

import (
	"github.com/novatrek/support/internal/platform/outbound"
)

// Outbound is the outbound HTTP client of the Spec's client name, built from its resolved
// Endpoint (base URL, key, per-attempt timeout, retries); nil for an Optional client without
// URL. Its attempts are not counted in Env.Metrics: that registerer carries the constant
// label service=<Name>, which outbound's series declare as a variable label, so registering
// them there would fail.
func (e Env) Outbound(name string) (*outbound.Client, error) {
	ep := e.Client(name)
	if ep == nil {
		return nil, nil
	}
	return outbound.New(outbound.Config{Service: e.Name, Name: ep.Name, BaseURL: ep.BaseURL, Key: ep.Key,
		Timeout: ep.Timeout, Retries: ep.Retries})
}
