package peers

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/schemas"
)

// replayHand is the loop a team writes by hand: a franz-go group consumer, each poll's
// records decoded and upserted in one transaction, then the offsets committed to Kafka. No
// inbox and no stored offsets: a crash between the commit in PostgreSQL and the one in Kafka
// applies the poll again, which this projection's upsert happens to survive.
func replayHand(ctx context.Context, w *world, group string) (time.Duration, error) {
	return replayHandWith(ctx, w, group, reservationsTable, row, writeRows)
}

// replayHandCopy is the same loop writing each poll's rows with COPY, the fastest a team
// can write by hand: no inbox, no stored offsets and no conflict handling, so a poll
// applied again after a crash fails on its keys (or, without a key, doubles its rows).
func replayHandCopy(ctx context.Context, w *world, group string) (time.Duration, error) {
	return replayHandWith(ctx, w, group, reservationsTable, row, func(ctx context.Context, tx pgx.Tx, rows [][]any) error {
		_, err := tx.CopyFrom(ctx, reservationsTable, columns, pgx.CopyFromRows(rows))
		return err
	})
}

// replayHandCopyFacts is the COPY loop into the event-keyed facts table: a poll applied
// again after a crash fails on the event ids, as the runtime's COPY does before its slow
// path skips them.
func replayHandCopyFacts(ctx context.Context, w *world, group string) (time.Duration, error) {
	return replayHandWith(ctx, w, group, factsTable, factRow, func(ctx context.Context, tx pgx.Tx, rows [][]any) error {
		_, err := tx.CopyFrom(ctx, factsTable, factColumns, pgx.CopyFromRows(rows))
		return err
	})
}

// replayHandWith is the hand loop, each poll's rows (of toRow) written into table by write in
// one transaction.
func replayHandWith(ctx context.Context, w *world, group string, table pgx.Identifier, toRow func(*schemas.ReservationCreated) []any,
	write func(context.Context, pgx.Tx, [][]any) error) (time.Duration, error) {
	return w.runInto(ctx, table, func(ctx context.Context) error {
		cl, err := kgo.NewClient(kgo.SeedBrokers(w.brokers...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
		if err != nil {
			return err
		}
		defer cl.Close()
		for {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err := fs.Err0(); err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
			var rows [][]any
			var decodeErr error
			fs.EachRecord(func(r *kgo.Record) {
				v, err := w.decode(ctx, r.Value)
				if err != nil {
					decodeErr = err
					return
				}
				rows = append(rows, toRow(v))
			})
			if decodeErr != nil {
				return decodeErr
			}
			if len(rows) == 0 {
				continue
			}
			if err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error { return write(ctx, tx, rows) }); err != nil {
				return err
			}
			if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
				return err
			}
		}
	})
}
