package outbox

import (
	"bytes"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// RowHeader is the header the relay adds to every record it produces: "<store>/<row id>",
// the store's Name and the outbox row's id. A relay resuming after an uncertain step reads it
// back to recognise the rows already on Kafka (see resume.go), and an audit (the soak) reads
// it to tell one row published twice from two events that happen to be alike.
const RowHeader = "novatrek-outbox-row"

// appendRowHeader appends the value of RowHeader for row id of store to b.
func appendRowHeader(b []byte, store string, id int64) []byte {
	return strconv.AppendInt(append(append(b, store...), '/'), id, 10)
}

// rowHeaderMaxLen is the longest RowHeader value of store: the name, '/', and an int64 of
// 20 characters at most.
func rowHeaderMaxLen(store string) int { return len(store) + 21 }

// ParseRowHeader splits a RowHeader value into the store name and the row id; ok is false for
// a value the relay did not write. The store name may itself contain '/': the id is what
// follows the last one.
func ParseRowHeader(v []byte) (store string, id int64, ok bool) {
	i := bytes.LastIndexByte(v, '/')
	if i < 0 {
		return "", 0, false
	}
	id, err := strconv.ParseInt(string(v[i+1:]), 10, 64)
	if err != nil {
		return "", 0, false
	}
	return string(v[:i]), id, true
}

// RowOf returns the store and row id a record's RowHeader names, if it has one.
func RowOf(rec *kgo.Record) (store string, id int64, ok bool) {
	for _, h := range rec.Headers {
		if h.Key == RowHeader {
			return ParseRowHeader(h.Value)
		}
	}
	return "", 0, false
}
