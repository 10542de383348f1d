package event

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Route checks that producer may emit ev on t (topics.yaml lists it as a producer) and returns
// ev's record key: the value of t's key field, so a record is keyed exactly as declared.
func Route(t topology.Topic, ev schemas.Event, producer string) (string, error) {
	if !slices.Contains(t.Producers, producer) {
		return "", fmt.Errorf("%s is not a producer of %s in topics.yaml", producer, t.Name)
	}
	key, err := Key(ev, t.Key)
	if err != nil {
		return "", fmt.Errorf("key of %s: %w", t.Name, err)
	}
	return key, nil
}

// Key reads ev's top-level field whose avro name is field (a topic's key field), as text. A
// null or empty key is an error: it would put the aggregate's events on a random partition.
func Key(ev schemas.Event, field string) (string, error) {
	v := reflect.ValueOf(ev)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return "", fmt.Errorf("want a pointer to a generated event struct, got %T", ev)
	}
	v = v.Elem()
	for i := range v.NumField() {
		if tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("avro"), ","); tag != field {
			continue
		}
		f := v.Field(i)
		for f.Kind() == reflect.Pointer {
			if f.IsNil() {
				return "", fmt.Errorf("key field %s is null", field)
			}
			f = f.Elem()
		}
		s := fmt.Sprint(f.Interface())
		if s == "" {
			return "", fmt.Errorf("key field %s is empty", field)
		}
		return s, nil
	}
	return "", fmt.Errorf("%T has no key field %s", ev, field)
}
