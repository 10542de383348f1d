package offsetreset_test

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/offsetreset"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// TestPlan moves a group committed at 4 on two partitions of 10 records each, to every kind
// of target: the ends, an offset and shifts, clamped into the log with a note; a shift of
// one of our services starts from its stored offset, not Kafka's.
func TestPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := kafkatest.New(t)
	const topic, group = "reset.topic", "g-reset"
	env.CreateTopics(t, 2, topic)
	cl := env.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p := range int32(2) {
		for range 10 {
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: p, Value: []byte("x")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm := kadm.NewClient(cl)
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: topic, Partition: 0, At: 4})
	offs.Add(kadm.Offset{Topic: topic, Partition: 1, At: 4})
	if _, err := adm.CommitOffsets(ctx, group, offs); err != nil {
		t.Fatal(err)
	}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	n := func(v int64) *int64 { return &v }
	stored := map[string]map[int32]int64{topic: {0: 7, 1: 7}}
	for _, c := range []struct {
		name   string
		spec   offsetreset.Spec
		stored map[string]map[int32]int64
		want   int64
		note   string
	}{
		{"earliest", offsetreset.Spec{Earliest: true}, nil, 0, ""},
		{"latest", offsetreset.Spec{Latest: true}, nil, 10, ""},
		{"offset", offsetreset.Spec{Offset: n(6)}, nil, 6, ""},
		{"offset past the end", offsetreset.Spec{Offset: n(99)}, nil, 10, "past the end; clamped"},
		{"shift back", offsetreset.Spec{Shift: n(-3)}, nil, 1, ""},
		{"shift before the start", offsetreset.Spec{Shift: n(-9)}, nil, 0, "before the log start; clamped"},
		{"shift of our service", offsetreset.Spec{Shift: n(-3)}, stored, 4, ""},
	} {
		rows, err := offsetreset.Plan(ctx, adm, group, []string{topic}, nil, c.spec, committed, c.stored)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(rows) != 2 {
			t.Fatalf("%s: %d rows, want 2", c.name, len(rows))
		}
		for _, r := range rows {
			if r.Next != c.want || r.Committed != 4 || r.Start != 0 || r.End != 10 || !strings.Contains(r.Note, c.note) {
				t.Errorf("%s: %s/%d next %d (committed %d, log %d-%d, note %q); want next %d, note %q",
					c.name, r.Topic, r.Partition, r.Next, r.Committed, r.Start, r.End, r.Note, c.want, c.note)
			}
		}
	}
	rows, err := offsetreset.Plan(ctx, adm, group, []string{topic}, []int32{1}, offsetreset.Spec{Earliest: true}, committed, nil)
	if err != nil || len(rows) != 1 || rows[0].Partition != 1 {
		t.Errorf("partition 1 only: %v %+v", err, rows)
	}

	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	topics, notes, err := offsetreset.ChooseTopics(ctx, adm, group, nil, false, described[group], committed, map[string]map[int32]int64{"gone.topic": {0: 1}})
	if err != nil || len(topics) != 1 || topics[0] != topic || len(notes) != 1 || !strings.Contains(notes[0], "gone.topic is not on the cluster") {
		t.Errorf("ChooseTopics: %v %v %v; want [%s] and a note on gone.topic", topics, notes, err, topic)
	}
}
