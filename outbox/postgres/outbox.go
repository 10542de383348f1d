package pgoutbox

import (
	"embed"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/migrate"
)

//go:embed *.sql
var migrations embed.FS

// Migrations is the outbox's migration set ("outbox"); apply it to each service schema with
// migrate.Apply beside the service's own set.
func Migrations() migrate.Set {
	return migrate.Set{Name: "outbox", FS: migrations}
}

// DefaultMaxMessageBytes is the default limit on a message's key, value and headers: the
// record batch limit of franz-go and Kafka (1,000,012 bytes by default) less 10,000 bytes
// for record framing. A larger message would fail at the producer or the broker every time,
// so Enqueue refuses it while the caller's transaction can still roll back.
const DefaultMaxMessageBytes = 990_000

// Outbox is the outbox table of one service schema.
type Outbox struct {
	schema   string
	table    string // quoted, schema-qualified
	channel  string
	lockKey  int64
	maxBytes int
}

// Option configures an Outbox.
type Option func(*Outbox)

// MaxMessageBytes sets the largest message Enqueue accepts (key + value + headers), overriding
// DefaultMaxMessageBytes; raise it with the topic's max.message.bytes.
func MaxMessageBytes(n int) Option { return func(o *Outbox) { o.maxBytes = n } }

// New returns the outbox of schema, whose table Migrations created. Names are quoted, so the
// caller's search_path does not matter.
func New(schema string, opts ...Option) (*Outbox, error) {
	if schema == "" {
		return nil, errors.New("pgoutbox: empty schema name")
	}
	o := &Outbox{
		schema:   schema,
		table:    pgx.Identifier{schema, "outbox"}.Sanitize(),
		channel:  Channel(schema),
		lockKey:  lockKey(schema),
		maxBytes: DefaultMaxMessageBytes,
	}
	for _, opt := range opts {
		opt(o)
	}
	if len(o.channel) > 63 {
		return nil, fmt.Errorf("pgoutbox: schema %q too long: notification channel %q exceeds 63 bytes", schema, o.channel)
	}
	if o.maxBytes <= 0 {
		return nil, fmt.Errorf("pgoutbox: MaxMessageBytes must be positive, got %d", o.maxBytes)
	}
	return o, nil
}

// Schema is the service schema holding the table.
func (o *Outbox) Schema() string { return o.schema }

// Channel is the NOTIFY channel of schema's outbox, as the migration's trigger computes it.
func Channel(schema string) string { return "outbox." + schema }

// lockKey is the advisory lock of schema's relay. Advisory locks are per database, so the
// schema is the whole identity; the prefix keeps clear of other locks on the same schema
// (internal/platform/migrate uses "novatrek.migrate.<schema>").
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("novatrek.outbox." + schema))
	return int64(h.Sum64())
}
