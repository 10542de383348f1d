package subjects

import (
	"errors"
	"fmt"
	"slices"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// CheckResult is the verdict on one schema's history.
type CheckResult struct {
	Schema   string
	Versions int
	// Modes are the compatibility modes the history was checked under: those of the topics
	// using the schema, or the default for a schema no topic uses (the shared types).
	Modes  []compat.Mode
	Topics []string
	// Err is nil when every version is compatible with the earlier ones under every mode.
	Err error
}

// Check verifies, without a registry, that each version of each schema is compatible with
// all earlier versions under the compatibility mode of every topic using it (Confluent
// semantics; non-transitive modes look at the previous version only). It returns one
// result per schema, sorted by name, and an error joining every failure, each naming the
// schema, version, mode, topics and the offending field.
func Check(top *topology.Topology, cat *schemas.Catalog) ([]CheckResult, error) {
	modes := map[string][]compat.Mode{}
	topics := map[string][]string{}
	for _, tp := range top.Topics {
		if !tp.HasSchema() {
			continue
		}
		m, err := compat.ParseMode(tp.Compatibility)
		if err != nil {
			return nil, fmt.Errorf("subjects: topic %s: %w", tp.Name, err)
		}
		if _, ok := cat.Latest(tp.ValueSchema); !ok {
			return nil, fmt.Errorf("subjects: topic %s: value schema %q is not in schemas/", tp.Name, tp.ValueSchema)
		}
		if !slices.Contains(modes[tp.ValueSchema], m) {
			modes[tp.ValueSchema] = append(modes[tp.ValueSchema], m)
		}
		topics[tp.ValueSchema] = append(topics[tp.ValueSchema], tp.Name)
	}
	var results []CheckResult
	var errs []error
	for _, name := range cat.Names() {
		r := CheckResult{Schema: name, Versions: len(cat.Versions(name)), Modes: modes[name], Topics: topics[name]}
		if len(r.Modes) == 0 {
			r.Modes = []compat.Mode{topology.DefaultCompatibility}
		}
		r.Err = checkHistory(name, cat.Versions(name), r.Modes, r.Topics)
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
		results = append(results, r)
	}
	return results, errors.Join(errs...)
}

// DefaultCheck is Check over the embedded topics.yaml and schemas.
func DefaultCheck() ([]CheckResult, error) {
	top, cat, err := defaults()
	if err != nil {
		return nil, err
	}
	return Check(top, cat)
}

func checkHistory(name string, versions []schemas.Version, modes []compat.Mode, topics []string) error {
	var errs []error
	for i := 1; i < len(versions); i++ {
		earlier := make([]compat.Version, i)
		for j, v := range versions[:i] {
			earlier[j] = compat.Version{Number: v.Number, Schema: v.Schema}
		}
		for _, m := range modes {
			if err := compat.CheckVersions(m, versions[i].Schema, earlier); err != nil {
				where := ""
				if len(topics) > 0 {
					where = fmt.Sprintf(" (topics %v)", topics)
				}
				errs = append(errs, fmt.Errorf("schema %s v%d is not %s compatible%s: %w", name, versions[i].Number, m, where, err))
			}
		}
	}
	return errors.Join(errs...)
}
