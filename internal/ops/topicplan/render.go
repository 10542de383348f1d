package topicplan

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteText renders the plan for a person, terraform style, one block per topic:
//
//	$ novatrek topics plan
//	+ create novatrek.support.payment.processed
//	    partitions          6
//	    replication factor  broker default
//	    cleanup.policy      delete
//	    retention.ms        -1
//	~ update novatrek.booking.reservation.created
//	    ~ partitions 3 → 6
//	    ~ config retention.ms 604800000 → 2592000000
//	! update novatrek.support.review.published
//	    ! cannot shrink partitions 12 → 6: Kafka cannot remove partitions: ...
//	- delete novatrek.support.old.thing (not in topics.yaml; needs --allow-delete)
//
//	Plan: 1 to create, 1 to update, 0 to delete, 2 blocked (never applied).
func (p Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	for i := 0; i < len(p.Changes); {
		j := i
		for j < len(p.Changes) && p.Changes[j].Topic == p.Changes[i].Topic {
			j++
		}
		writeTopic(&b, p.Changes[i:j])
		i = j
	}
	if p.HasDrift() {
		b.WriteString("\n")
	}
	b.WriteString(p.summary())
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// String returns the WriteText rendering.
func (p Plan) String() string {
	var b strings.Builder
	_ = p.WriteText(&b) // a strings.Builder never fails
	return b.String()
}

// writeTopic renders the changes of one topic.
func writeTopic(b *strings.Builder, cs []Change) {
	topic := cs[0].Topic
	switch cs[0].Action {
	case Create:
		c := cs[0]
		fmt.Fprintf(b, "+ create %s\n", topic)
		fmt.Fprintf(b, "    %-19s %d\n", "partitions", c.Partitions)
		fmt.Fprintf(b, "    %-19s %s\n", "replication factor", replicationText(c.ReplicationFactor))
		for _, k := range slices.Sorted(maps.Keys(c.Configs)) {
			fmt.Fprintf(b, "    %-19s %s\n", k, c.Configs[k])
		}
		return
	case Delete:
		c := cs[0]
		reason := "not in topics.yaml"
		if c.Blocked {
			reason = c.Reason
		}
		fmt.Fprintf(b, "- delete %s (%s)\n", topic, reason)
		return
	}
	mark := "!"
	if slices.ContainsFunc(cs, func(c Change) bool { return !c.Blocked }) {
		mark = "~"
	}
	fmt.Fprintf(b, "%s update %s\n", mark, topic)
	for _, c := range cs {
		switch c.Action {
		case GrowPartitions:
			fmt.Fprintf(b, "    ~ partitions %d → %d\n", c.CurrentPartitions, c.Partitions)
		case ShrinkPartitions:
			fmt.Fprintf(b, "    ! cannot shrink partitions %d → %d: %s\n", c.CurrentPartitions, c.Partitions, c.Reason)
		case SetConfig:
			fmt.Fprintf(b, "    ~ config %s %s → %s\n", c.Config, c.currentText(), c.Value)
		}
	}
}

// summary is the plan's last line.
func (p Plan) summary() string {
	if !p.HasDrift() {
		return "No changes: the cluster matches topics.yaml."
	}
	var creates, deletes, blocked int
	updated := map[string]bool{}
	for _, c := range p.Changes {
		switch {
		case c.Blocked:
			blocked++
		case c.Action == Create:
			creates++
		case c.Action == Delete:
			deletes++
		default:
			updated[c.Topic] = true
		}
	}
	s := fmt.Sprintf("Plan: %d to create, %d to update, %d to delete", creates, len(updated), deletes)
	if blocked > 0 {
		s += fmt.Sprintf(", %d blocked (never applied)", blocked)
	}
	return s + "."
}
