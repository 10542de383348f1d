package servicetest

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
)

// AwaitRow waits until query returns a row, scanned into dest.
func (s *Service[S]) AwaitRow(dest []any, query string, args ...any) {
	s.T.Helper()
	streamtest.Eventually(s.T, "a row of "+query, func() (bool, error) {
		err := s.DB.QueryRow(context.Background(), query, args...).Scan(dest...)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	})
}

// AwaitCount waits until the count query returns want.
func (s *Service[S]) AwaitCount(want int, query string, args ...any) {
	s.T.Helper()
	streamtest.Eventually(s.T, query, func() (bool, error) {
		var n int
		err := s.DB.QueryRow(context.Background(), query, args...).Scan(&n)
		return n == want, err
	})
}

// AwaitApplied waits until the service's consumer has applied the event eventID: its id is
// in the stream inbox, which the batch's transaction writes with the handler's effects.
func (s *Service[S]) AwaitApplied(eventID string) {
	s.T.Helper()
	s.AwaitCount(1, `SELECT count(*) FROM `+pgx.Identifier{s.spec.Store.Schema, "inbox"}.Sanitize()+
		` WHERE consumer_group = $1 AND event_id = $2`, s.spec.Name, eventID)
}

// AwaitEvent waits until the service has published, through its outbox, an event of topic
// matching match, and returns it decoded.
func AwaitEvent[T any, P stream.Message[T], S any](s *Service[S], topic string, match func(*T) bool) T {
	s.T.Helper()
	var found T
	streamtest.Eventually(s.T, "an event on "+topic, func() (bool, error) {
		for _, rec := range streamtest.ReadTopic(s.T, s.Kafka, topic) {
			var v T
			if err := s.Kafka.Serde.Decode(context.Background(), rec.Value, P(&v).Schema(), &v); err != nil {
				return false, err
			}
			if match(&v) {
				found = v
				return true, nil
			}
		}
		return false, nil
	})
	return found
}

// DeadLetters returns what the service dead-lettered so far.
func (s *Service[S]) DeadLetters() []*kgo.Record {
	s.T.Helper()
	return streamtest.ReadTopic(s.T, s.Kafka, topology.DeadLetterTopic(s.spec.Name))
}
