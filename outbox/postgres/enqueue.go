package pgoutbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
)

// Execer runs a statement inside the caller's transaction. A pgx.Tx is one; so is a writer
// that queues statements on a pgx.Batch sent as one implicit transaction (a pipelined
// commit). Passing a pool defeats the outbox: the rows would commit on their own. It is
// store.Execer, the one declaration every package shares, so an Emitter[store.Execer]
// writes to this outbox.
type Execer = store.Execer

// Enqueue writes msgs to the outbox inside tx, the transaction that writes the business rows,
// so the messages exist exactly when that transaction commits. All messages go in one
// statement, in slice order: ids, and so publish order, follow the order of msgs and of
// successive calls within the transaction.
//
// Enqueue refuses a message without a topic or larger than the Outbox's MaxMessageBytes,
// before writing anything, because the relay could never publish it.
func (o *Outbox) Enqueue(ctx context.Context, tx Execer, msgs ...outbox.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if tx == nil {
		return errors.New("pgoutbox: enqueue: nil transaction")
	}
	topics := make([]string, len(msgs))
	keys := make([][]byte, len(msgs))
	values := make([][]byte, len(msgs))
	headers := make([][]byte, len(msgs))
	for i, m := range msgs {
		if m.Topic == "" {
			return fmt.Errorf("pgoutbox: enqueue into %s: message %d has no topic", o.schema, i)
		}
		if size := m.Size(); size > o.maxBytes {
			return fmt.Errorf("pgoutbox: enqueue into %s: message %d for %s is %d bytes, over the %d-byte limit", o.schema, i, m.Topic, size, o.maxBytes)
		}
		topics[i], keys[i], values[i], headers[i] = m.Topic, m.Key, m.Value, marshalHeaders(m.Headers)
	}
	if _, err := tx.Exec(ctx, o.insertSQL(), topics, keys, values, headers); err != nil {
		return fmt.Errorf("pgoutbox: enqueue %d messages into %s: %w", len(msgs), o.schema, err)
	}
	return nil
}

// insertSQL inserts the rows of four parallel arrays in array order: one statement, one round
// trip and one cached prepared statement whatever the number of messages.
func (o *Outbox) insertSQL() string {
	return `INSERT INTO ` + o.table + ` (topic, key, value, headers)
SELECT t, k, v, h FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::bytea[]) WITH ORDINALITY AS m(t, k, v, h, n)
ORDER BY n`
}
