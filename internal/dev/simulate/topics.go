package simulate

import (
	"fmt"
	"slices"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Schemas are the value schemas (directories under schemas/) whose events the generator
// knows how to make up. The topics it produces to are not listed here: they are the topics
// topics.yaml gives one of these schemas and a producer of another domain (Topics), and
// the producer of each event is the topic's, from topics.yaml, unless the topic has
// several (notification.requested: then the action names its caller).
var Schemas = []string{
	"reservation_created", "reservation_status_changed", "guest_registered", "checkin_completed",
	"schedule_published", "incident_reported", "emergency_triggered", "wildlife_alert_issued",
	"notification_requested", "analytics_metric_logged", "guest_position_reported",
}

// Topics returns, in topo's order, the topics the simulator produces to: those with a value
// schema among Schemas and at least one producer that is not ours.
func Topics(topo *topology.Topology) []string {
	var out []string
	for _, t := range topo.Topics {
		if slices.Contains(Schemas, t.ValueSchema) && len(foreignProducers(topo, t)) > 0 {
			out = append(out, t.Name)
		}
	}
	return out
}

// foreignProducers are t's producers that are services of other domains.
func foreignProducers(topo *topology.Topology, t topology.Topic) []string {
	var out []string
	for _, p := range t.Producers {
		if s, ok := topo.Service(p); ok && !s.Ours {
			out = append(out, p)
		}
	}
	return out
}

// simTopic is a topic the generator produces to, with its producers of other domains.
type simTopic struct {
	topology.Topic
	producers []string
}

// topicsBySchema maps the full Avro name of each of Schemas' records to its topic in topo;
// a schema without exactly one such topic, or one without a key field, is an error.
func topicsBySchema(topo *topology.Topology) (map[string]simTopic, error) {
	out := map[string]simTopic{}
	names := Topics(topo)
	for _, schema := range Schemas {
		v, ok := schemas.New(schema)
		if !ok {
			return nil, fmt.Errorf("simulate: schema %s has no generated type", schema)
		}
		var found []simTopic
		for _, name := range names {
			if t, _ := topo.Topic(name); t.ValueSchema == schema {
				found = append(found, simTopic{t, foreignProducers(topo, t)})
			}
		}
		if len(found) != 1 {
			return nil, fmt.Errorf("simulate: schema %s is the value of %d topics produced by other domains in the topology; want one", schema, len(found))
		}
		if found[0].Key == "" {
			return nil, fmt.Errorf("simulate: topic %s has no key field", found[0].Name)
		}
		out[fullName(v)] = found[0]
	}
	return out, nil
}

// fullName is the full Avro name of v's record ("com.novatrek.ReservationCreated").
func fullName(v schemas.Event) string {
	if n, ok := v.Schema().(avro.NamedSchema); ok {
		return n.FullName()
	}
	return ""
}
