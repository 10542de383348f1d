package soak

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/novatrek/support/internal/dev/fakes"
)

// startFakes starts, in the soak's process, the fakes of the third parties every service
// calls (PSP, fraud service, e-mail/SMS/push providers, weather provider, S3) and points the
// services' clients at them, so every instance calls the same provider as in a deployment
// and a fault can make a provider fail for all of them. Clients of other domains' services
// get the stack's stand-ins; clients of our own services, the proxy.
func (s *soak) startFakes(ctx context.Context, stackURL, proxyURL string) error {
	ours := map[string]bool{}
	for _, def := range s.cfg.Services {
		ours[def.Describe().Name] = true
	}
	at := func(service string) string {
		if ours[service] {
			return proxyURL + "/" + service
		}
		return stackURL + "/" + service
	}
	dir := filepath.Join(s.dir, "fakes")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	set, err := fakes.Provide(ctx, s.cfg.Services, envLookup(s.env), at, fakes.Options{DataDir: dir, StackURL: at}, s.cfg.Logger)
	if err != nil {
		return err
	}
	s.fakes = set
	for k, v := range set.Env {
		s.env = append(s.env, k+"="+v)
	}
	return nil
}

// setProvidersDown makes every third-party fake answer 503 (down) or heals them.
func (s *soak) setProvidersDown(down bool) {
	if psp := s.fakes.PSP(); psp != nil {
		n := 0
		if down {
			n = 1 << 30
		}
		psp.FailNext(n, http.StatusServiceUnavailable)
	}
	if f := s.fakes.Fraud(); f != nil {
		f.SetDown(down)
	}
	if f := s.fakes.NWS(); f != nil {
		f.SetDown(down)
	}
	if p := s.fakes.Providers(); p != nil {
		for _, f := range []interface {
			StartOutage(int)
			Heal()
		}{&p.SendGrid.Faults, &p.Twilio.Faults, &p.FCM.Faults} {
			if down {
				f.StartOutage(http.StatusServiceUnavailable)
			} else {
				f.Heal()
			}
		}
	}
}

// envLookup reads a variable from env (last one wins, as for a child) or else from the
// process's environment.
func envLookup(env []string) func(string) string {
	return func(name string) string {
		for _, kv := range slices.Backward(env) {
			if k, v, ok := strings.Cut(kv, "="); ok && k == name {
				return v
			}
		}
		return os.Getenv(name)
	}
}
