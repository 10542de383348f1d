package stream

import (
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Headers the runtime adds to a dead letter, after the original record's headers. A record
// dead-lettered again after a redrive carries both sets; readers take the last occurrence.
const (
	HeaderSourceTopic     = "dlq.source.topic"
	HeaderSourcePartition = "dlq.source.partition"
	HeaderSourceOffset    = "dlq.source.offset"
	// HeaderSourceTimestamp is the original record's timestamp, RFC 3339 with nanoseconds.
	HeaderSourceTimestamp = "dlq.source.timestamp"
	HeaderGroup           = "dlq.group"
	// HeaderError is the failure's message, cut to 1 KiB.
	HeaderError = "dlq.error"
	// HeaderErrorKind is a Kind: malformed, unknown-schema, incompatible, invalid, permanent,
	// panic.
	HeaderErrorKind = "dlq.error.kind"
	// HeaderTime is when the record was dead-lettered, RFC 3339 with nanoseconds, UTC.
	HeaderTime = "dlq.time"
)

// maxErrorHeader bounds the error text copied into a dead letter.
const maxErrorHeader = 1024

// deadLetter builds the dead letter of rec: the original key, value and headers, byte for
// byte, plus headers saying where it came from, why and when. It is keyed like the
// original, so dead letters of one aggregate stay in order on one partition.
func deadLetter(topic, group string, rec *kgo.Record, kind Kind, cause error, now time.Time) *kgo.Record {
	msg := cause.Error()
	if len(msg) > maxErrorHeader {
		msg = strings.ToValidUTF8(msg[:maxErrorHeader], "")
	}
	headers := make([]kgo.RecordHeader, 0, len(rec.Headers)+8)
	headers = append(headers, rec.Headers...)
	headers = append(headers,
		kgo.RecordHeader{Key: HeaderSourceTopic, Value: []byte(rec.Topic)},
		kgo.RecordHeader{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(rec.Partition), 10)},
		kgo.RecordHeader{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, rec.Offset, 10)},
		kgo.RecordHeader{Key: HeaderSourceTimestamp, Value: []byte(rec.Timestamp.UTC().Format(time.RFC3339Nano))},
		kgo.RecordHeader{Key: HeaderGroup, Value: []byte(group)},
		kgo.RecordHeader{Key: HeaderError, Value: []byte(msg)},
		kgo.RecordHeader{Key: HeaderErrorKind, Value: []byte(kind)},
		kgo.RecordHeader{Key: HeaderTime, Value: []byte(now.UTC().Format(time.RFC3339Nano))},
	)
	return &kgo.Record{
		Topic:   topic,
		Key:     rec.Key,
		Value:   rec.Value,
		Headers: headers,
	}
}
