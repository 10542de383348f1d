package lag

import "fmt"

// MarkRefused makes a partition of g STALL because the group's member refused to consume it:
// the stored offset it would resume from does not fit the partition's log (see
// stream.Refusals). Kafka's offsets cannot show this (the member owns the partition and
// commits nothing there, or an old commit looks caught up), so the caller, which reads the
// service's store, adds it to the observation. A worse status (ERR) is kept.
func (g *Group) MarkRefused(topic string, partition int32, reason string) {
	for i := range g.Partitions {
		p := &g.Partitions[i]
		if p.Topic == topic && p.Partition == partition {
			p.Refused = reason
			p.Status = worst(p.Status, STALL)
			p.Reason = "refused: " + reason
		}
	}
	if g.Status <= STALL {
		g.Status = STALL
		g.Reason = fmt.Sprintf("%s[%d]: refused: %s", topic, partition, reason)
	}
}
