// Package subjects maps topics.yaml and schemas/ onto schema registry subjects and keeps
// the two in line: [Check] verifies offline that every schema version is compatible with
// all earlier ones under the mode of the topics that use it, and [Register] registers every
// version, oldest first, under each topic's `<topic>-value` subject after setting the
// subject's compatibility mode. `novatrek schemas check|register` and the dev stack call it.
package subjects

import (
	"fmt"
	"sort"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Subject is one registry subject: the value subject of a topic (TopicNameStrategy), its
// compatibility mode and the versions registered under it, oldest first.
type Subject struct {
	Name     string // <topic>-value
	Topic    string
	Mode     compat.Mode
	Schema   string // schema directory name under schemas/
	Versions []schemas.Version
}

// Plan returns the subjects of every topic that has a value schema, sorted by name.
func Plan(top *topology.Topology, cat *schemas.Catalog) ([]Subject, error) {
	var subs []Subject
	for _, tp := range top.Topics {
		if !tp.HasSchema() {
			continue
		}
		mode, err := compat.ParseMode(tp.Compatibility)
		if err != nil {
			return nil, fmt.Errorf("subjects: topic %s: %w", tp.Name, err)
		}
		vs := cat.Versions(tp.ValueSchema)
		if len(vs) == 0 {
			return nil, fmt.Errorf("subjects: topic %s: value schema %q is not in schemas/", tp.Name, tp.ValueSchema)
		}
		subs = append(subs, Subject{Name: tp.Subject(), Topic: tp.Name, Mode: mode, Schema: tp.ValueSchema, Versions: vs})
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
	return subs, nil
}

// DefaultPlan is Plan over the embedded topics.yaml and schemas.
func DefaultPlan() ([]Subject, error) {
	top, cat, err := defaults()
	if err != nil {
		return nil, err
	}
	return Plan(top, cat)
}

func defaults() (*topology.Topology, *schemas.Catalog, error) {
	top, err := topology.Default()
	if err != nil {
		return nil, nil, err
	}
	cat, err := schemas.Load()
	if err != nil {
		return nil, nil, err
	}
	return top, cat, nil
}
