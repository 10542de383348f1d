package subjects

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/twmb/franz-go/pkg/sr"
)

// Registered is the registry's answer for one version.
type Registered struct {
	Subject string
	Schema  string
	// Version is ours (the v<N> of the .avsc file); RegistryVersion is the subject version
	// the registry gave it. They differ only when the subject had versions from elsewhere.
	Version         int
	RegistryVersion int
	ID              int
}

// Register sets each subject's compatibility mode and registers its versions oldest first,
// so the registry checks each one against the history exactly as Check did offline.
// Registering is idempotent: a version the subject already holds gets its existing id back.
// It stops at the first failure (an incompatible version is a 409 naming the field) and
// returns what it registered so far. A nil logger discards.
func Register(ctx context.Context, cl *sr.Client, subs []Subject, log *slog.Logger) ([]Registered, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var out []Registered
	for _, s := range subs {
		var level sr.CompatibilityLevel
		if err := level.UnmarshalText([]byte(s.Mode)); err != nil {
			return out, fmt.Errorf("subjects: %s: mode %s: %w", s.Name, s.Mode, err)
		}
		res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: level}, s.Name)
		if len(res) != 1 || res[0].Err != nil {
			return out, fmt.Errorf("subjects: setting compatibility of %s to %s: %w", s.Name, s.Mode, firstErr(res))
		}
		for _, v := range s.Versions {
			ss, err := cl.CreateSchema(ctx, s.Name, sr.Schema{Schema: v.Text, Type: sr.TypeAvro})
			if err != nil {
				return out, fmt.Errorf("subjects: registering %s v%d under %s: %w", s.Schema, v.Number, s.Name, err)
			}
			r := Registered{Subject: s.Name, Schema: s.Schema, Version: v.Number, RegistryVersion: ss.Version, ID: ss.ID}
			out = append(out, r)
			if r.RegistryVersion != r.Version {
				log.WarnContext(ctx, "subject version differs from the schema file version; the subject holds versions registered from elsewhere",
					"subject", s.Name, "schema", s.Schema, "version", v.Number, "registry_version", ss.Version)
			}
			log.DebugContext(ctx, "schema registered", "subject", s.Name, "version", v.Number, "id", ss.ID)
		}
	}
	return out, nil
}

func firstErr(res []sr.CompatibilityResult) error {
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	return fmt.Errorf("the registry returned %d results for one subject", len(res))
}
