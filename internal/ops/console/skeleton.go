package console

import (
	"time"

	"github.com/google/uuid"
	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/schemas"
)

// skeleton is a JSON value that fits s in avrojson's natural JSON, for the publish form to
// start from: empty strings, zeros, the first enum symbol, now for times, a fresh UUID, null
// for optional fields. The metadata member is left out: the publisher stamps it.
func skeleton(s avro.Schema, now time.Time) any {
	switch s := s.(type) {
	case *avro.RecordSchema:
		obj := map[string]any{}
		for _, f := range s.Fields() {
			if f.Name() == schemas.MetadataField {
				continue
			}
			obj[f.Name()] = skeleton(f.Type(), now)
		}
		return obj
	case *avro.UnionSchema:
		if s.Nullable() {
			return nil
		}
		return skeleton(s.Types()[0], now)
	case *avro.EnumSchema:
		return s.Symbols()[0]
	case *avro.ArraySchema:
		return []any{}
	case *avro.MapSchema:
		return map[string]any{}
	case *avro.RefSchema:
		return skeleton(s.Schema(), now)
	case *avro.FixedSchema:
		if s.Logical() != nil && s.Logical().Type() == avro.Decimal {
			return "0"
		}
		return ""
	case *avro.PrimitiveSchema:
		return primitiveSkeleton(s, now)
	}
	return nil
}

func primitiveSkeleton(s *avro.PrimitiveSchema, now time.Time) any {
	if l := s.Logical(); l != nil {
		switch l.Type() {
		case avro.UUID:
			return uuid.NewString()
		case avro.TimestampMillis, avro.TimestampMicros:
			return now.UTC().Format(time.RFC3339)
		case avro.LocalTimestampMillis, avro.LocalTimestampMicros:
			return now.UTC().Format("2006-01-02T15:04:05")
		case avro.Date:
			return now.UTC().Format(time.DateOnly)
		case avro.TimeMillis:
			return "00:00:00.000"
		case avro.TimeMicros:
			return "00:00:00.000000"
		case avro.Decimal:
			return "0"
		}
	}
	switch s.Type() {
	case avro.String, avro.Bytes:
		return ""
	case avro.Boolean:
		return false
	case avro.Null:
		return nil
	}
	return 0
}
