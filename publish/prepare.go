package publish

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/avrojson"
	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/schemas"
)

// Prepare fills ev's missing metadata (in place) and returns the record Publish would send:
// topic from ev's schema, key the topic's key field, value framed Avro.
func (p *Publisher) Prepare(ctx context.Context, ev schemas.Event) (*kgo.Record, error) {
	t, err := p.TopicFor(ev)
	if err != nil {
		return nil, err
	}
	key, err := event.Key(ev, t.Key) // first: it refuses a nil event
	if err != nil {
		return nil, fmt.Errorf("publish: %s: %w", t.Name, err)
	}
	p.fill(ev, t)
	value, err := p.serde.Encode(ctx, t.Name, ev.Schema(), ev)
	if err != nil {
		return nil, fmt.Errorf("publish: encoding %T for %s: %w", ev, t.Name, err)
	}
	return &kgo.Record{Topic: t.Name, Key: []byte(key), Value: value}, nil
}

// PrepareJSON checks one JSON object against topic's latest schema, fills its missing
// metadata and returns the record to send. keyField names the field (dotted for nested ones,
// e.g. metadata.correlation_id) whose value is the key; empty means the topic's declared key.
// Errors name the field ("total_price.currency: expected string, got number").
func (p *Publisher) PrepareJSON(ctx context.Context, topic string, data []byte, keyField string) (*kgo.Record, error) {
	t, err := p.Topic(topic)
	if err != nil {
		return nil, err
	}
	schema, err := p.Schema(t)
	if err != nil {
		return nil, err
	}
	codec, err := avrojson.Compile(schema)
	if err != nil {
		return nil, err
	}
	v, err := avrojson.ParseJSON(data)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a JSON object, got %s", jsonKind(v))
	}
	p.fillJSON(obj, t)
	body, err := codec.AppendAvro(nil, obj)
	if err != nil {
		return nil, err
	}
	if keyField == "" {
		keyField = t.Key
	}
	key, err := jsonKey(obj, keyField)
	if err != nil {
		return nil, err
	}
	value, err := p.serde.AppendFramed(ctx, nil, t.Name, schema, body)
	if err != nil {
		return nil, fmt.Errorf("framing for %s: %w", t.Name, err)
	}
	return &kgo.Record{Topic: t.Name, Key: key, Value: value}, nil
}

func jsonKey(obj map[string]any, path string) ([]byte, error) {
	var cur any = obj
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: key field not found", path)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("%s: key field is missing", path)
		}
	}
	switch k := cur.(type) {
	case string:
		if k == "" {
			return nil, fmt.Errorf("%s: key field is empty", path)
		}
		return []byte(k), nil
	case nil:
		return nil, fmt.Errorf("%s: key field is null", path)
	case fmt.Stringer: // json.Number
		return []byte(k.String()), nil
	case bool:
		return []byte(strconv.FormatBool(k)), nil
	}
	return nil, fmt.Errorf("%s: key field is a %s; want a string or number", path, jsonKind(cur))
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case string:
		return "string"
	case bool:
		return "boolean"
	}
	return "number"
}
