// Package lag observes Kafka consumer groups the way an SRE needs them: per group, topic and
// partition the committed offset, the end offset, the lag in records and in seconds, the
// members and the group state — for every group in the cluster, including groups with no
// live member — and a status per partition and per group in the spirit of LinkedIn's
// Burrow (OK, WARN, STALL, STOP, ERR) from a sliding window of observations, plus EMPTY for
// the lag of groups nobody runs (Group.Inactive: not ours, no member, no offset moved), so
// an abandoned ad-hoc group is never mistaken for a stopped service.
//
// An [Observer] takes observations ([Observer.Observe]) with kadm: ListGroups,
// DescribeGroups, OffsetFetch (kfake has no __consumer_offsets topic; OffsetFetch works on
// it and on a real cluster alike), and ListOffsets for the log start, the high watermark and
// the last stable offset. The end offset lag is measured against is the last stable offset,
// what a read-committed consumer (ours) can reach; on a topic without transactions it is
// the high watermark.
//
// Lag in seconds is the age of the oldest unconsumed record: now minus the timestamp of the
// first record at or after the committed offset, 0 when the group is caught up. Timestamps
// are read with one short-lived read-committed consumer per observation and cached by
// (topic, partition, offset), so a group that does not move costs nothing on the next scrape.
//
// [Evaluate] turns a partition's window of observations into a [Status]; its rules are
// documented there. [Collector] exports the latest observation to Prometheus under the names
// of danielqsj/kafka_exporter plus our own status, dead-letter and outbox series; [Run]
// keeps it fresh.
package lag
