package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Waits between two attempts of CacheSchemas while the registry does not answer.
const (
	schemaWaitMin = 500 * time.Millisecond
	schemaWaitMax = 5 * time.Second
)

// schemaConfigGrace is how long CacheSchemas keeps retrying an answer that says the
// configuration is wrong (401/403, a bare 404, a produced topic's schema not registered)
// before it stops start-up. Each can heal by itself within moments: a registration job
// racing the deploy, a mesh proxy still loading its routes (a bare 404), a credential
// being rotated. A minute covers those and still stops a real misconfiguration quickly.
const schemaConfigGrace = time.Minute

// CacheSchemas looks up, before a process consumes or serves, every schema id it will
// need: the id of each produced topic's schema (serde.ID) and the writer schemas
// registered under each consumed topic's subject (serde.WriterSchema). Ids never change,
// so from then on a registry outage reaches this process only for a schema registered
// after it started.
//
// Why: a process started while the registry is down would otherwise find out event by
// event. Its consumers wait safely (the stream retries a decode forever), but an encode
// fails the work around it: an API call answers 503, and svc-notifications' delivery,
// whose provider call has been made when it encodes the status event, rolls the
// attempt back and sends again later (the soak's cold-start fault showed both). So the
// process waits here instead, retrying with backoff, saying so (a warning, repeated once a
// minute, and one line when the registry answers); it joins its consumer group and serves only
// then, and skips nothing. Only ctx ending stops the wait for an unreachable registry.
//
// An answer that says the configuration is wrong is retried, with a warning naming the
// registry and what it answered, for schemaConfigGrace (it may heal: see there), then stops
// start-up with one line naming the registry and what it answered (ErrRegistryConfig): 401 or 403
// (a missing or refused credential), a 404 that is no registry's answer about a schema (the
// URL does not lead to a registry), and a produced topic whose schema is not registered
// under its subject (the process could publish nothing). A consumed subject no one produced
// to yet is not an error: there is nothing to cache.
func CacheSchemas(ctx context.Context, sd *serde.Serde, reg *sr.Client, topo *topology.Topology, consumes, produces []string, log *slog.Logger) error {
	return cacheSchemas(ctx, sd, reg, topo, consumes, produces, log, schemaConfigGrace)
}

// cacheSchemas is CacheSchemas with the grace for configuration errors as a parameter, so
// tests can lower it.
func cacheSchemas(ctx context.Context, sd *serde.Serde, reg *sr.Client, topo *topology.Topology, consumes, produces []string, log *slog.Logger, grace time.Duration) error {
	var todo []func(context.Context) error
	for _, topic := range produces {
		t, ok := topo.Topic(topic)
		if !ok || !t.HasSchema() {
			continue
		}
		ev, ok := schemas.New(t.ValueSchema)
		if !ok {
			continue
		}
		todo = append(todo, func(ctx context.Context) error {
			_, err := sd.ID(ctx, topic, ev.Schema())
			var re *sr.ResponseError
			if errors.Is(err, serde.ErrUnknownSchema) && errors.As(err, &re) {
				return fmt.Errorf("%w: the registry at %s has no schema for produced topic %s (register the topics' schemas first): %w",
					ErrRegistryConfig, registryBase(re.URL), topic, err)
			}
			return err
		})
	}
	for _, topic := range consumes {
		if t, ok := topo.Topic(topic); ok && t.HasSchema() {
			todo = append(todo, func(ctx context.Context) error { return cacheWriters(ctx, sd, reg, serde.Subject(topic)) })
		}
	}
	began, warned, lastWarn := time.Now(), false, time.Time{}
	var misconfiguredSince time.Time // the first configuration error's time: the grace counts from there
	for attempt := 1; ; attempt++ {
		var failed []func(context.Context) error
		var last, lastCfg error
		for _, f := range todo {
			err := f(ctx)
			if cfg := misconfigured(err); cfg != nil {
				if misconfiguredSince.IsZero() {
					misconfiguredSince = time.Now()
				}
				if time.Since(misconfiguredSince) >= grace {
					return cfg
				}
				failed, lastCfg = append(failed, f), cfg
				continue
			}
			if err != nil && unreachable(err) {
				failed, last = append(failed, f), err
			}
		}
		if len(failed) == 0 {
			if warned {
				log.InfoContext(ctx, "schema registry answers; schema ids cached, starting", "waited", time.Since(began).Round(time.Millisecond))
			}
			return nil
		}
		if !warned || time.Since(lastWarn) >= time.Minute {
			// Repeated once a minute with the latest error: the operator needs to see it
			// is still waiting, and why.
			if lastCfg != nil {
				log.WarnContext(ctx, "schema registry answers with a configuration error at start-up; retrying in case it heals, then stopping",
					"schemas_missing", len(failed), "waited", time.Since(began).Round(time.Second), "give_up_after", grace, "err", lastCfg)
			} else {
				log.WarnContext(ctx, "schema registry unreachable at start-up; waiting for it before consuming or serving (retrying with backoff)",
					"schemas_missing", len(failed), "waited", time.Since(began).Round(time.Second), "err", last)
			}
			warned, lastWarn = true, time.Now()
		}
		todo = failed
		wait := min(schemaWaitMax, schemaWaitMin<<min(attempt-1, 5))
		select {
		case <-ctx.Done():
			if last == nil {
				last = lastCfg
			}
			return fmt.Errorf("waiting for the schema registry: %w (last: %v)", ctx.Err(), last)
		case <-time.After(wait):
		}
	}
}

// cacheWriters fetches the writer schema of every version registered under subject.
func cacheWriters(ctx context.Context, sd *serde.Serde, reg *sr.Client, subject string) error {
	versions, err := reg.Schemas(ctx, subject)
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && (re.ErrorCode == sr.ErrSubjectNotFound.Code || re.ErrorCode == sr.ErrVersionNotFound.Code) {
			return nil // nothing produced there yet: nothing to cache
		}
		return fmt.Errorf("%w: versions of %s: %w", serde.ErrRegistry, subject, err)
	}
	for _, v := range versions {
		if _, err := sd.WriterSchema(ctx, v.ID); err != nil {
			return err
		}
	}
	return nil
}

// ErrRegistryConfig marks an answer from the schema registry that says the process is
// configured wrongly (URL, credentials, schemas not registered) and did not heal within
// schemaConfigGrace.
var ErrRegistryConfig = errors.New("schema registry configuration")

// misconfigured returns err as a one-line configuration error when the registry's answer
// says the configuration is wrong (retried only for schemaConfigGrace, see CacheSchemas),
// nil otherwise. The line names the registry by
// the URL it was asked at, credentials in it redacted.
func misconfigured(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrRegistryConfig) {
		return err
	}
	var re *sr.ResponseError
	if !errors.As(err, &re) {
		return nil
	}
	switch {
	case re.StatusCode == http.StatusUnauthorized || re.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: the registry at %s answered %d %s to %s %s: check SCHEMA_REGISTRY_URL and its credentials",
			ErrRegistryConfig, registryBase(re.URL), re.StatusCode, http.StatusText(re.StatusCode), re.Method, config.Redact(re.URL))
	case re.StatusCode == http.StatusNotFound && re.ErrorCode/100 != 404:
		// A registry's 404 carries an error code 404xx (subject, version or schema not
		// found); a bare 404 is a server that is not a schema registry, or a wrong path.
		return fmt.Errorf("%w: %s answered 404 Not Found to %s %s, which no schema registry answers: check SCHEMA_REGISTRY_URL",
			ErrRegistryConfig, registryBase(re.URL), re.Method, config.Redact(re.URL))
	}
	return nil
}

// registryBase is the scheme and host of the requested URL, the part an operator sets.
func registryBase(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the configured URL"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// unreachable reports whether err is the registry not answering (worth waiting for), as
// opposed to an answer about the schema.
func unreachable(err error) bool { return errors.Is(err, serde.ErrRegistry) }
