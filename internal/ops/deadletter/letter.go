package deadletter

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
)

// Position is a record's place in Kafka.
type Position struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// String is "topic[partition]@offset".
func (p Position) String() string {
	return p.Topic + "[" + strconv.Itoa(int(p.Partition)) + "]@" + strconv.FormatInt(p.Offset, 10)
}

// Letter is one dead letter: the record on the dead-letter topic and what its headers say.
type Letter struct {
	// At is where the dead letter itself is (the dead-letter topic).
	At Position
	// Timestamp is the dead-letter record's Kafka timestamp.
	Timestamp time.Time
	Key       []byte
	Value     []byte
	// Headers are all the record's headers in order: the original record's, then the
	// runtime's dlq.* ones.
	Headers []kgo.RecordHeader

	// Source is where the original record was (dlq.source.*); Source.Topic is empty when the
	// record lacks the header.
	Source Position
	// SourceTime is the original record's timestamp (dlq.source.timestamp).
	SourceTime time.Time
	// Group is the consumer group that gave up on it (dlq.group).
	Group string
	// Reason is the failure's message (dlq.error) and Kind its class (dlq.error.kind).
	Reason string
	Kind   string
	// Time is when it was dead-lettered (dlq.time), or the record timestamp when the
	// header is missing.
	Time time.Time

	// EventID is metadata.event_id of the decoded value, "" when the value does not decode
	// (DecodeErr says why) or has no metadata.
	EventID   string
	DecodeErr error

	// Redrives counts the earlier re-drives this record went through (dlq.redrive.id
	// headers); LastRedriveID is the latest one's id.
	Redrives      int
	LastRedriveID string

	// Problems lists headers that are missing or malformed; a letter with problems is
	// listed but cannot be re-driven.
	Problems []string
}

// Header returns the value of the last header named key, and whether there is one.
func (l *Letter) Header(key string) (string, bool) {
	return header(l.Headers, key)
}

func header(hs []kgo.RecordHeader, key string) (string, bool) {
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].Key == key {
			return string(hs[i].Value), true
		}
	}
	return "", false
}

// FromRecord reads the dead-letter headers of r. It never fails: what is missing or
// malformed is listed in Problems.
func FromRecord(r *kgo.Record) Letter {
	l := Letter{
		At:        Position{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset},
		Timestamp: r.Timestamp,
		Key:       r.Key,
		Value:     r.Value,
		Headers:   r.Headers,
		Time:      r.Timestamp,
	}
	need := func(key string) string {
		v, ok := l.Header(key)
		if !ok {
			l.Problems = append(l.Problems, "no "+key+" header")
		}
		return v
	}
	l.Source.Topic = need(stream.HeaderSourceTopic)
	if v := need(stream.HeaderSourcePartition); v != "" {
		p, err := strconv.ParseInt(v, 10, 32)
		if err != nil || p < 0 {
			l.Problems = append(l.Problems, stream.HeaderSourcePartition+" "+strconv.Quote(v)+" is not a partition")
		}
		l.Source.Partition = int32(p)
	}
	if v := need(stream.HeaderSourceOffset); v != "" {
		o, err := strconv.ParseInt(v, 10, 64)
		if err != nil || o < 0 {
			l.Problems = append(l.Problems, stream.HeaderSourceOffset+" "+strconv.Quote(v)+" is not an offset")
		}
		l.Source.Offset = o
	}
	if v, ok := l.Header(stream.HeaderSourceTimestamp); ok {
		l.SourceTime, _ = time.Parse(time.RFC3339Nano, v)
	}
	l.Group, _ = l.Header(stream.HeaderGroup)
	l.Reason, _ = l.Header(stream.HeaderError)
	l.Kind, _ = l.Header(stream.HeaderErrorKind)
	if v, ok := l.Header(stream.HeaderTime); ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			l.Time = t
		} else {
			l.Problems = append(l.Problems, stream.HeaderTime+" "+strconv.Quote(v)+" is not an RFC 3339 time")
		}
	}
	for _, h := range r.Headers {
		if h.Key == HeaderRedriveID {
			l.Redrives++
			l.LastRedriveID = string(h.Value)
		}
	}
	return l
}

// Redrivable says whether the letter names where it came from well enough to be sent back.
func (l *Letter) Redrivable() bool { return len(l.Problems) == 0 && l.Source.Topic != "" }

// KeyText is the key as text when it is UTF-8, else its hex form marked "0x...".
func (l *Letter) KeyText() string { return bytesText(l.Key) }

func bytesText(b []byte) string {
	if b == nil {
		return ""
	}
	if utf8.Valid(b) {
		return string(b)
	}
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 2, 2+2*len(b))
	out[0], out[1] = '0', 'x'
	for _, c := range b {
		out = append(out, hexdigits[c>>4], hexdigits[c&0xf])
	}
	return string(out)
}
