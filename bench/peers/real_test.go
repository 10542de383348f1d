package peers

import "strings"

// brokerName says which broker the run measured, for the table's heading: the in-process
// kfake of kafkatest, or the Apache Kafka broker that NOVATREK_TEST_KAFKA=real and
// KAFKA_BROKERS point every contender at (`make bench-peers-real` starts one).
func brokerName(w *world) string {
	if w.kafka.Cluster != nil {
		return "kfake (in-process)"
	}
	return "Apache Kafka at " + strings.Join(w.brokers, ",")
}
