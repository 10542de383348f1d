package outbox

import "time"

// Message is one Kafka record to publish: what a handler enqueues and what the relay produces.
// Value holds bytes already encoded in the Confluent wire format (see Encode).
type Message struct {
	// Topic is required.
	Topic string
	// Key selects the partition; nil produces an unkeyed record. Our events key by the
	// aggregate id as UTF-8, which keeps one aggregate's events in order on one partition.
	Key []byte
	// Value is the record value; nil is a tombstone on compacted topics.
	Value []byte
	// Headers travel with the record, e.g. the W3C traceparent.
	Headers []Header
}

// Header is one Kafka record header. Keys may repeat, as in Kafka.
type Header struct {
	Key   string
	Value []byte
}

// Size is the number of bytes the message carries (topic excluded), which engines compare
// with the broker's record size limit before accepting the message.
func (m Message) Size() int {
	n := len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// Row is a committed message read back from a store, with the id that orders it.
type Row struct {
	// ID increases in insert order within one store; the relay produces rows in this order
	// and deletes them by it.
	ID int64
	Message
	// CreatedAt is when the enqueuing transaction wrote the row (store clock).
	CreatedAt time.Time
}
