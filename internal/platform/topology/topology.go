// Package topology parses and validates topics.yaml, the single source of truth for every
// Kafka topic of the NovaTrek support domain: its name, partitions, retention, cleanup
// policy, key, value schema, compatibility mode, producers and consumers.
//
// The dev stack creates topics from it, `novatrek topics plan|apply` diffs it against a
// cluster, `novatrek schemas register` registers each topic's schema versions under
// `<topic>-value`, and every service derives its consumer group and dead-letter topic from it.
package topology

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	support "github.com/novatrek/support"
)

// Topic kinds.
const (
	KindEvent      = "event"       // a fact some service publishes
	KindCommand    = "command"     // a request for a service to act (the spec's "Async: Yes" calls)
	KindDeadLetter = "dead-letter" // original bytes and headers of records a group could not handle
)

// DefaultCompatibility is the schema compatibility mode of a topic that names none: a replay
// of last year's data must decode with today's reader, so every new version is checked
// against every earlier one.
const DefaultCompatibility = "BACKWARD_TRANSITIVE"

// DeadLetterPrefix starts the name of every dead-letter topic.
const DeadLetterPrefix = "novatrek.support.dlq."

// Topology is the parsed content of topics.yaml.
type Topology struct {
	Services []Service
	Topics   []Topic
}

// Service is a producer or consumer named by topics.yaml. Ours marks the nine services of
// the support domain; the others are the services of other domains that publish to us.
type Service struct {
	Name        string
	Domain      string
	Ours        bool
	Description string
}

// Topic is one declared Kafka topic.
type Topic struct {
	Name string
	// Kind is KindEvent, KindCommand or KindDeadLetter.
	Kind       string
	Partitions int32
	// Retention is how long records are kept; 0 means forever (retention.ms=-1).
	Retention time.Duration
	// CleanupPolicy is "delete", "compact" or "compact,delete".
	CleanupPolicy string
	// Key says what the record key is, e.g. "reservation_id".
	Key string
	// ValueSchema is the schema directory name under schemas/; empty only for dead-letter
	// topics, which hold the original bytes of whatever failed.
	ValueSchema string
	// Compatibility is the registry compatibility mode of the `<topic>-value` subject;
	// DefaultCompatibility unless topics.yaml says otherwise.
	Compatibility string
	Producers     []string
	Consumers     []string
	Description   string
}

// Default returns the topology embedded in the binary (topics.yaml at the module root).
func Default() (*Topology, error) {
	return Load(support.TopicsYAML)
}

// Topic returns the topic with the given name.
func (t *Topology) Topic(name string) (Topic, bool) {
	for _, tp := range t.Topics {
		if tp.Name == name {
			return tp, true
		}
	}
	return Topic{}, false
}

// Service returns the service with the given name.
func (t *Topology) Service(name string) (Service, bool) {
	for _, s := range t.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// ConsumerGroups returns, sorted, the names of our services that consume at least one
// topic; each is a consumer group id and owns the dead-letter topic DeadLetterTopic(name).
func (t *Topology) ConsumerGroups() []string {
	var groups []string
	for _, s := range t.Services {
		if s.Ours && len(t.ConsumedBy(s.Name)) > 0 {
			groups = append(groups, s.Name)
		}
	}
	slices.Sort(groups)
	return groups
}

// ConsumedBy returns the topics the service consumes, in declaration order.
func (t *Topology) ConsumedBy(service string) []Topic {
	var out []Topic
	for _, tp := range t.Topics {
		if slices.Contains(tp.Consumers, service) {
			out = append(out, tp)
		}
	}
	return out
}

// ProducedBy returns the topics the service produces, in declaration order.
func (t *Topology) ProducedBy(service string) []Topic {
	var out []Topic
	for _, tp := range t.Topics {
		if slices.Contains(tp.Producers, service) {
			out = append(out, tp)
		}
	}
	return out
}

// DeadLetterTopic returns the dead-letter topic of a consumer group.
func DeadLetterTopic(group string) string {
	return DeadLetterPrefix + group
}

// Configs returns the topic-level Kafka configs topics.yaml controls, by their Kafka names.
func (t Topic) Configs() map[string]string {
	ms := int64(-1)
	if t.Retention > 0 {
		ms = t.Retention.Milliseconds()
	}
	return map[string]string{
		"retention.ms":   strconv.FormatInt(ms, 10),
		"cleanup.policy": t.CleanupPolicy,
	}
}

// HasSchema reports whether records of the topic carry an Avro value with a schema in
// schemas/ (every topic but the dead-letter ones).
func (t Topic) HasSchema() bool { return t.ValueSchema != "" }

// Subject is the schema registry subject of the topic's values (TopicNameStrategy).
func (t Topic) Subject() string { return t.Name + "-value" }

// EventType is the metadata event_type of the events on t, as the spec names them: the topic
// name's last two parts with dashes as underscores
// (novatrek.booking.reservation.status-changed → reservation.status_changed,
// novatrek.safety.wildlife-alert.issued → wildlife_alert.issued).
func (t Topic) EventType() string {
	parts := strings.Split(t.Name, ".")
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	return strings.ReplaceAll(strings.Join(parts, "."), "-", "_")
}

// CheckRoles reports, in one error, every topic of consumes that topics.yaml does not list
// service as a consumer of, every topic topics.yaml lists service as a consumer of that is
// not in consumes, and every topic of produces it does not list service as a producer of.
// A service calls it at start with the topics it subscribes to, so code and topics.yaml
// cannot drift apart silently: a declared consumer that subscribes to nothing would leave
// its group STOP forever (the lag tools judge our groups on every declared topic) and the
// producers believing someone reads their events. Produces may be a subset (a service need
// not name its dead-letter topic).
func (t *Topology) CheckRoles(service string, consumes, produces []string) error {
	var errs []error
	for _, name := range consumes {
		if tp, ok := t.Topic(name); !ok || !slices.Contains(tp.Consumers, service) {
			errs = append(errs, fmt.Errorf("topics.yaml does not list %s as a consumer of %s", service, name))
		}
	}
	for _, tp := range t.ConsumedBy(service) {
		if !slices.Contains(consumes, tp.Name) {
			errs = append(errs, fmt.Errorf("topics.yaml lists %s as a consumer of %s, but it does not subscribe to it: handle it, or remove it from the topic's consumers", service, tp.Name))
		}
	}
	for _, name := range produces {
		if tp, ok := t.Topic(name); !ok || !slices.Contains(tp.Producers, service) {
			errs = append(errs, fmt.Errorf("topics.yaml does not list %s as a producer of %s", service, name))
		}
	}
	return errors.Join(errs...)
}
