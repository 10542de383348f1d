package stream

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// refuse leaves an assigned partition unconsumed because its stored offset does not fit its
// log (see judge), and says so everywhere an operator looks: one ERROR line, the gauge
// novatrek_stream_offset_mismatch (alerted on), and the row's refused column, which
// `novatrek groups describe` shows as STALL with the reason. Only an explicit reset
// (`novatrek groups reset`, stream.Rewind) lifts it: guessing where the new log's unapplied
// records start is what skipped events silently.
func (p *Processor) refuse(ctx context.Context, tp topicPartition, so storedOffset, actual partitionLog, reason string) {
	p.mu.Lock()
	p.refused[tp] = true
	p.mu.Unlock()
	p.metrics.mismatch.WithLabelValues(tp.topic, strconv.Itoa(int(tp.partition))).Set(1)
	p.log.Error("stored offset refused; partition not consumed until its offsets are reset",
		"topic", tp.topic, "partition", tp.partition, "reason", reason,
		"stored_offset", so.next, "stored_log", so.log.String(),
		"log_start", actual.start, "high_watermark", actual.end, "actual_log", actual.id.String(),
		"fix", fmt.Sprintf("stop the service, then novatrek groups reset %s --topic %s --partition %d --to-earliest --execute (see docs/replaying.md)",
			p.cfg.Group, tp.topic, tp.partition))
	if err := p.store.refuse(ctx, tp, reason); err != nil {
		p.log.Warn("refusal not recorded in the store; groups describe will not show it", "topic", tp.topic, "partition", tp.partition, "err", err)
	}
}

// forgetRefused drops the mismatch gauges (0, or 1 if refused) of partitions no longer
// assigned here: the new owner judges them again. A row's refused column stays until a
// reset clears it.
func (p *Processor) forgetRefused(parts map[string][]int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for topic, partitions := range parts {
		for _, partition := range partitions {
			delete(p.refused, topicPartition{topic, partition})
			p.metrics.mismatch.DeleteLabelValues(topic, strconv.Itoa(int(partition)))
		}
	}
}

// Refusal is a partition a group's member refused to consume (see Processor): its stored
// offset did not fit the partition's log when it was assigned.
type Refusal struct {
	Topic     string
	Partition int32
	Offset    int64  // the stored offset
	Reason    string // the one-line reason the member logged
}

// Refusals returns group's refused partitions as recorded in schema's consumer_offsets:
// what `novatrek groups describe` shows as STALL until a reset clears them.
func Refusals(ctx context.Context, q Querier, schema, group string) ([]Refusal, error) {
	rows, err := q.Query(ctx, `SELECT topic, partition, next_offset, refused FROM `+
		pgx.Identifier{schema, "consumer_offsets"}.Sanitize()+
		` WHERE consumer_group = $1 AND refused IS NOT NULL ORDER BY topic, partition`, group)
	if err != nil {
		return nil, fmt.Errorf("stream: load refused partitions of %s: %w", group, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Refusal])
	if err != nil {
		return nil, fmt.Errorf("stream: load refused partitions of %s: %w", group, err)
	}
	return out, nil
}
