package simulate

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// keyOf returns the string value of v's field whose avro name is field (a topic's key field,
// e.g. reservation_id), so the record key is exactly what topics.yaml says it is.
func keyOf(v any, field string) (string, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "", errors.New("nil event")
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return "", fmt.Errorf("%T is not a struct", v)
	}
	rt := rv.Type()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("avro"), ",")
		if name != field {
			continue
		}
		f := rv.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				return "", fmt.Errorf("key field %s of %T is null", field, v)
			}
			f = f.Elem()
		}
		if f.Kind() != reflect.String || f.String() == "" {
			return "", fmt.Errorf("key field %s of %T is not a non-empty string", field, v)
		}
		return f.String(), nil
	}
	return "", fmt.Errorf("%T has no field %s", v, field)
}
