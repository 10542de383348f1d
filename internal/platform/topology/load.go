package topology

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// file is the YAML shape of topics.yaml.
type file struct {
	Services []serviceYAML `yaml:"services"`
	Topics   []topicYAML   `yaml:"topics"`
}

type serviceYAML struct {
	Name        string `yaml:"name"`
	Domain      string `yaml:"domain"`
	Ours        bool   `yaml:"ours"`
	Description string `yaml:"description"`
}

type topicYAML struct {
	Name          string   `yaml:"name"`
	Kind          string   `yaml:"kind"`
	Partitions    int32    `yaml:"partitions"`
	Retention     string   `yaml:"retention"`
	CleanupPolicy string   `yaml:"cleanup_policy"`
	Key           string   `yaml:"key"`
	ValueSchema   string   `yaml:"value_schema"`
	Compatibility string   `yaml:"compatibility"`
	Producers     []string `yaml:"producers"`
	Consumers     []string `yaml:"consumers"`
	Description   string   `yaml:"description"`
}

// topicName is novatrek.<domain>.<entity>.<event>, lower-case words joined by hyphens; the
// dead-letter topics use the group name (svc-...) as their last part.
var topicName = regexp.MustCompile(`^novatrek\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$`)

var (
	cleanupPolicies = []string{"delete", "compact", "compact,delete"}
	// compatibilityModes are the Confluent schema registry modes.
	compatibilityModes = []string{
		"BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
		"FULL", "FULL_TRANSITIVE", "NONE",
	}
)

// Load parses topics.yaml and validates it: unknown fields, duplicate names, names that do
// not follow novatrek.<domain>.<entity>.<event>, missing schemas, undeclared producers or
// consumers and consumer groups without a dead-letter topic are all errors naming the topic.
func Load(data []byte) (*Topology, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("topology: parsing topics.yaml: %w", err)
	}
	t := &Topology{}
	var errs []error
	for _, s := range f.Services {
		t.Services = append(t.Services, Service(s))
	}
	for _, ty := range f.Topics {
		tp, err := ty.topic()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t.Topics = append(t.Topics, tp)
	}
	errs = append(errs, t.validate()...)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("topology: invalid topics.yaml: %w", err)
	}
	return t, nil
}

func (ty topicYAML) topic() (Topic, error) {
	ret, err := parseRetention(ty.Retention)
	if err != nil {
		return Topic{}, fmt.Errorf("topic %q: %w", ty.Name, err)
	}
	compat := strings.ToUpper(strings.TrimSpace(ty.Compatibility))
	if compat == "" && ty.Kind != KindDeadLetter {
		compat = DefaultCompatibility
	}
	return Topic{
		Name:          ty.Name,
		Kind:          ty.Kind,
		Partitions:    ty.Partitions,
		Retention:     ret,
		CleanupPolicy: ty.CleanupPolicy,
		Key:           ty.Key,
		ValueSchema:   ty.ValueSchema,
		Compatibility: compat,
		Producers:     ty.Producers,
		Consumers:     ty.Consumers,
		Description:   ty.Description,
	}, nil
}

func (t *Topology) validate() []error {
	var errs []error
	seenSvc := map[string]bool{}
	for _, s := range t.Services {
		switch {
		case s.Name == "":
			errs = append(errs, errors.New("a service has no name"))
		case seenSvc[s.Name]:
			errs = append(errs, fmt.Errorf("service %q declared twice", s.Name))
		case s.Domain == "":
			errs = append(errs, fmt.Errorf("service %q has no domain", s.Name))
		}
		seenSvc[s.Name] = true
	}
	seenTopic := map[string]bool{}
	for _, tp := range t.Topics {
		if seenTopic[tp.Name] {
			errs = append(errs, fmt.Errorf("topic %q declared twice", tp.Name))
		}
		seenTopic[tp.Name] = true
		errs = append(errs, tp.validate(seenSvc)...)
	}
	for _, g := range t.ConsumerGroups() {
		dlq := DeadLetterTopic(g)
		if tp, ok := t.Topic(dlq); !ok || tp.Kind != KindDeadLetter {
			errs = append(errs, fmt.Errorf("consumer group %q has no dead-letter topic %q", g, dlq))
		}
	}
	return errs
}

func (tp Topic) validate(services map[string]bool) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("topic %q: "+format, append([]any{tp.Name}, args...)...))
	}
	if !topicName.MatchString(tp.Name) {
		bad("name does not follow novatrek.<domain>.<entity>.<event> (lower-case, hyphens)")
	}
	switch tp.Kind {
	case KindEvent, KindCommand:
		if tp.ValueSchema == "" {
			bad("%s topic has no value_schema", tp.Kind)
		}
		if !slices.Contains(compatibilityModes, tp.Compatibility) {
			bad("compatibility %q is not one of %s", tp.Compatibility, strings.Join(compatibilityModes, ", "))
		}
		if len(tp.Producers) == 0 {
			bad("no producers")
		}
	case KindDeadLetter:
		if tp.ValueSchema != "" {
			bad("dead-letter topic has value_schema %q; it holds original bytes, so it must have none", tp.ValueSchema)
		}
		if tp.Compatibility != "" {
			bad("dead-letter topic has a compatibility mode but no schema")
		}
		if !strings.HasPrefix(tp.Name, DeadLetterPrefix) {
			bad("dead-letter topic name must start with %q", DeadLetterPrefix)
		}
	default:
		bad("kind %q is not one of %s, %s, %s", tp.Kind, KindEvent, KindCommand, KindDeadLetter)
	}
	if tp.Partitions <= 0 {
		bad("partitions must be positive, got %d", tp.Partitions)
	}
	if !slices.Contains(cleanupPolicies, tp.CleanupPolicy) {
		bad("cleanup_policy %q is not one of %s", tp.CleanupPolicy, strings.Join(cleanupPolicies, " | "))
	}
	if tp.Key == "" {
		bad("key is not described")
	}
	for _, role := range []struct {
		name  string
		names []string
	}{{"producer", tp.Producers}, {"consumer", tp.Consumers}} {
		seen := map[string]bool{}
		for _, n := range role.names {
			if !services[n] {
				bad("%s %q is not a declared service", role.name, n)
			}
			if seen[n] {
				bad("%s %q listed twice", role.name, n)
			}
			seen[n] = true
		}
	}
	return errs
}
