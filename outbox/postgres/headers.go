package pgoutbox

import (
	"encoding/binary"
	"errors"

	"github.com/novatrek/support/outbox"
)

// Headers are stored in one bytea column so that Enqueue can insert many rows from flat
// arrays (PostgreSQL has no array of arrays of bytea). The format is a sequence of
//
//	uvarint(len(key)) key uvarint(len(value)+1) value
//
// where a length of 0 in the value position means a nil value (Kafka's null header value),
// so nil and empty values survive the round trip. No headers is SQL NULL.

func marshalHeaders(hs []outbox.Header) []byte {
	if len(hs) == 0 {
		return nil
	}
	n := 0
	for _, h := range hs {
		n += 2*binary.MaxVarintLen64 + len(h.Key) + len(h.Value)
	}
	b := make([]byte, 0, n)
	for _, h := range hs {
		b = binary.AppendUvarint(b, uint64(len(h.Key)))
		b = append(b, h.Key...)
		if h.Value == nil {
			b = binary.AppendUvarint(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(h.Value))+1)
		b = append(b, h.Value...)
	}
	return b
}

var errCorruptHeaders = errors.New("pgoutbox: corrupt headers column")

func unmarshalHeaders(b []byte) ([]outbox.Header, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var hs []outbox.Header
	for len(b) > 0 {
		kl, n := binary.Uvarint(b)
		if n <= 0 || kl > uint64(len(b)-n) {
			return nil, errCorruptHeaders
		}
		b = b[n:]
		key := string(b[:kl])
		b = b[kl:]
		vl, n := binary.Uvarint(b)
		if n <= 0 || (vl > 0 && vl-1 > uint64(len(b)-n)) {
			return nil, errCorruptHeaders
		}
		b = b[n:]
		var val []byte
		if vl > 0 {
			val = b[: vl-1 : vl-1]
			b = b[vl-1:]
		}
		hs = append(hs, outbox.Header{Key: key, Value: val})
	}
	return hs, nil
}
