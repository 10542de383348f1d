package servicetest

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/schemas"
)

// Publish encodes ev with its registered schema and produces it to topic under key, as the
// producing service would; it returns the record with its partition and offset.
func (s *Service[S]) Publish(topic, key string, ev schemas.Event) *kgo.Record {
	s.T.Helper()
	b, err := s.Kafka.Serde.Encode(context.Background(), topic, ev.Schema(), ev)
	if err != nil {
		s.T.Fatalf("servicetest: encode %T for %s: %v", ev, topic, err)
	}
	return s.PublishRecord(&kgo.Record{Topic: topic, Key: []byte(key), Value: b})
}

// PublishRecord produces rec as it is (raw bytes: poison).
func (s *Service[S]) PublishRecord(rec *kgo.Record) *kgo.Record {
	s.T.Helper()
	if err := s.producer.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		s.T.Fatalf("servicetest: produce to %s: %v", rec.Topic, err)
	}
	return rec
}
