package registry

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/novatrek/support/internal/platform/compat"
)

// Config configures a Registry. The zero value is a memory-only registry with Confluent's
// default compatibility level, BACKWARD.
type Config struct {
	// Dir holds the registry's state (one file, registry.json), so ids and versions survive a
	// restart. It is created if missing. Empty keeps everything in memory.
	Dir string
	// DefaultCompatibility is the global compatibility level until PUT /config changes it
	// (that change is persisted and wins over this field on restart; DELETE /config returns
	// to it). Default BACKWARD, as Confluent; the dev stack uses BACKWARD_TRANSITIVE.
	DefaultCompatibility compat.Mode
	// Logger receives registrations, deletions and store errors. Default: discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.DefaultCompatibility == "" {
		c.DefaultCompatibility = compat.Backward
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

func (c *Config) validate() error {
	m, err := compat.ParseMode(string(c.DefaultCompatibility))
	if err != nil {
		return fmt.Errorf("DefaultCompatibility: %w", err)
	}
	c.DefaultCompatibility = m
	return nil
}

// Registry is a Confluent Schema Registry compatible server; serve it with Handler. It is safe
// for concurrent use.
type Registry struct {
	cfg Config
	log *slog.Logger

	mu    sync.RWMutex
	st    *state
	saved []byte // the last state written (or loaded), to roll back to when a write fails
}

// New loads the state under cfg.Dir (if any) and returns a registry ready to serve.
func New(cfg Config) (*Registry, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("registry config: %w", err)
	}
	st := newState()
	if cfg.Dir != "" {
		if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating registry directory: %w", err)
		}
		var err error
		if st, err = load(cfg.Dir); err != nil {
			return nil, err
		}
	}
	saved, err := st.encode()
	if err != nil {
		return nil, fmt.Errorf("encoding registry state: %w", err)
	}
	r := &Registry{cfg: cfg, log: cfg.Logger, st: st, saved: saved}
	r.log.Info("schema registry ready", "dir", cfg.Dir, "schemas", len(st.schemas),
		"subjects", len(st.subjects), "default_compatibility", cfg.DefaultCompatibility)
	return r, nil
}

// commit persists the state after a change. It must be called with mu held for writing. When
// the write fails the in-memory state is rolled back to the last one written, so memory never
// holds an id that a restart would forget (and hand out again).
func (r *Registry) commit() *apiError {
	b, err := r.st.encode()
	if err == nil && r.cfg.Dir != "" {
		err = writeAtomic(r.cfg.Dir, stateFile, b)
	}
	if err != nil {
		r.log.Error("persisting schema registry state failed; rolling back", "error", err)
		if st, rerr := decodeState(r.saved, r.st); rerr == nil {
			r.st = st
		} else {
			err = errors.Join(err, fmt.Errorf("rolling back: %w", rerr))
		}
		return errStore(err)
	}
	r.saved = b
	return nil
}
