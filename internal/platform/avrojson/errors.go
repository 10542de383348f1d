package avrojson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMalformed marks Avro binary that does not decode with the schema (cut short, trailing
// bytes, out-of-range union or enum index, absurd sizes).
var ErrMalformed = errors.New("malformed Avro data")

// PathError is a value that does not fit the schema, with the path to it: field names
// joined by dots, array indexes and map keys in brackets ("participants[1].age_group").
type PathError struct {
	Path string
	Msg  string
}

func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func errorf(format string, args ...any) error {
	return &PathError{Msg: fmt.Sprintf(format, args...)}
}

// under prefixes the path of err (a *PathError) with a field name.
func under(err error, name string) error {
	var pe *PathError
	if !errors.As(err, &pe) {
		return err
	}
	if pe.Path == "" {
		pe.Path = name
	} else if strings.HasPrefix(pe.Path, "[") {
		pe.Path = name + pe.Path
	} else {
		pe.Path = name + "." + pe.Path
	}
	return pe
}

// at prefixes the path of err with an index or key in brackets.
func at(err error, index string) error {
	var pe *PathError
	if !errors.As(err, &pe) {
		return err
	}
	seg := "[" + index + "]"
	if pe.Path == "" || strings.HasPrefix(pe.Path, "[") {
		pe.Path = seg + pe.Path
	} else {
		pe.Path = seg + "." + pe.Path
	}
	return pe
}

func atIndex(err error, i int) error { return at(err, strconv.Itoa(i)) }

// jsonType names the JSON type of a decoded value for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64, float32, int, int32, int64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
