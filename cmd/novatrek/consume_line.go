package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/avrojson"
	"github.com/novatrek/support/internal/platform/serde"
)

// lineWriter turns consumed records into JSON lines. One per decoding goroutine: it caches the
// codec of each writer schema id it has met, so after warm-up a record costs no lock, no
// registry call and no map[string]any.
type lineWriter struct {
	serde     *serde.Serde
	valueOnly bool
	codecs    map[int]*avrojson.Codec
}

func newLineWriter(s *serde.Serde, valueOnly bool) *lineWriter {
	return &lineWriter{serde: s, valueOnly: valueOnly, codecs: map[int]*avrojson.Codec{}}
}

// appendLine appends one JSON object and a newline for r:
//
//	{"topic","partition","offset","timestamp","key","headers","schema_id","value"}
//
// or, with valueOnly, the value alone. A value that does not decode gets "error" (and the raw
// bytes as "value_base64") instead of "value", in both modes: nothing is dropped silently.
// The error return is not about r: the registry is down (see writerSchema) or ctx ended, and
// the run must stop rather than print every record as undecodable.
func (w *lineWriter) appendLine(ctx context.Context, dst []byte, r *kgo.Record) ([]byte, error) {
	id, codec, derr := w.codec(ctx, r.Value)
	if derr != nil && (errors.Is(derr, serde.ErrRegistry) || ctx.Err() != nil) {
		return dst, derr
	}
	if w.valueOnly && derr == nil {
		if r.Value == nil {
			return append(dst, "null\n"...), nil
		}
		out, err := codec.AppendJSON(dst, r.Value[5:])
		if err == nil {
			return append(out, '\n'), nil
		}
		derr = err
	}
	dst = append(dst, `{"topic":`...)
	dst = avrojson.AppendString(dst, r.Topic)
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(r.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, r.Offset, 10)
	dst = append(dst, `,"timestamp":"`...)
	dst = avrojson.AppendTime(dst, r.Timestamp, 3)
	dst = append(dst, '"')
	dst = appendBytesField(dst, "key", r.Key)
	dst = append(dst, `,"headers":[`...)
	for i, h := range r.Headers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"key":`...)
		dst = avrojson.AppendString(dst, h.Key)
		dst = appendBytesField(dst, "value", h.Value)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"schema_id":`...)
	if id > 0 {
		dst = strconv.AppendInt(dst, int64(id), 10)
	} else {
		dst = append(dst, "null"...)
	}
	if derr == nil {
		if r.Value == nil {
			return append(dst, `,"value":null}`+"\n"...), nil
		}
		dst = append(dst, `,"value":`...)
		out, err := codec.AppendJSON(dst, r.Value[5:])
		if err == nil {
			return append(out, '}', '\n'), nil
		}
		dst = dst[:len(dst)-len(`,"value":`)]
		derr = err
	}
	dst = append(dst, `,"error":`...)
	dst = avrojson.AppendString(dst, derr.Error())
	dst = append(dst, `,"value_base64":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, r.Value)
	return append(dst, '"', '}', '\n'), nil
}

// codec returns the schema id of a framed Avro value and the codec of its writer schema;
// (0, nil, nil) for a tombstone.
func (w *lineWriter) codec(ctx context.Context, v []byte) (int, *avrojson.Codec, error) {
	if v == nil {
		return 0, nil, nil
	}
	id, err := serde.SchemaID(v)
	if err != nil {
		return 0, nil, err
	}
	if c, ok := w.codecs[id]; ok {
		return id, c, nil
	}
	schema, err := w.writerSchema(ctx, id)
	if err != nil {
		return id, nil, err
	}
	c, err := avrojson.Compile(schema)
	if err != nil {
		return id, nil, err
	}
	w.codecs[id] = c
	return id, c, nil
}

// registryAttempts is how many times consume asks the registry for a writer schema before it
// takes the registry as down and ends the run; the waits between attempts double from
// registryRetryWait (0.25 s, 0.5 s, 1 s: under two seconds in all).
const (
	registryAttempts  = 4
	registryRetryWait = 250 * time.Millisecond
)

// writerSchema fetches schema id, retrying while the registry is unreachable or failing
// (serde.ErrRegistry). An unknown id or a non-Avro schema is the record's problem and is
// returned at once.
func (w *lineWriter) writerSchema(ctx context.Context, id int) (avro.Schema, error) {
	wait := registryRetryWait
	for attempt := 1; ; attempt++ {
		schema, err := w.serde.WriterSchema(ctx, id)
		if err == nil || !errors.Is(err, serde.ErrRegistry) || ctx.Err() != nil {
			return schema, err
		}
		if attempt == registryAttempts {
			return nil, fmt.Errorf("schema registry unavailable (%d attempts to fetch schema id %d failed): %w", attempt, id, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait *= 2
	}
}

// appendBytesField appends `,"name":"text"` for UTF-8 bytes, `,"name_base64":"..."` for other
// bytes and `,"name":null` for nil.
func appendBytesField(dst []byte, name string, b []byte) []byte {
	switch {
	case b == nil:
		dst = append(dst, ',', '"')
		dst = append(dst, name...)
		return append(dst, `":null`...)
	case utf8.Valid(b):
		dst = append(dst, ',', '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
		return avrojson.AppendString(dst, b)
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, `_base64":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}
