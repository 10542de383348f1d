package main

import (
	"testing"

	"github.com/novatrek/support/internal/ops/subjects"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// kafkaWithTopics is a Kafka cluster and registry set up as `novatrek dev` sets them up:
// topics.yaml's topics, dead-letter topics included, with the given partitions each, and
// every schema version registered. A process started on it finds the schemas of every topic
// it produces, which `novatrek run` checks before it consumes or serves.
func kafkaWithTopics(t *testing.T, partitions int32) *kafkatest.Env {
	t.Helper()
	kafka := kafkatest.New(t)
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range topo.Topics {
		names = append(names, tp.Name)
	}
	kafka.CreateTopics(t, partitions, names...)
	subs, err := subjects.DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subjects.Register(t.Context(), kafka.Registry, subs, nil); err != nil {
		t.Fatalf("register the schemas: %v", err)
	}
	return kafka
}
