package stream

import (
	"context"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/schemas"
)

type nopDecoder struct{}

func (nopDecoder) Decode(context.Context, []byte, avro.Schema, any) error { return nil }

func nop(context.Context, pgx.Tx, Event[schemas.ReservationCreated]) error { return nil }

func TestConfigDefaultsAndValidate(t *testing.T) {
	pool := &pgxpool.Pool{}
	valid := func() Config {
		return Config{
			Group: "svc-x", Brokers: []string{"127.0.0.1:9092"}, Pool: pool, Schema: "x",
			Serde: nopDecoder{}, Routes: []Route{Handle("in", nop)},
		}
	}
	c := valid()
	c.setDefaults()
	if err := c.validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if c.DeadLetterTopic != "novatrek.support.dlq.svc-x" || c.MaxBatchRecords != DefaultMaxBatchRecords ||
		c.MaxAttempts != DefaultMaxAttempts || c.MinBackoff != DefaultMinBackoff || c.MaxBackoff != DefaultMaxBackoff {
		t.Errorf("defaults not applied: %+v", c)
	}

	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no group", func(c *Config) { c.Group = ""; c.DeadLetterTopic = "d" }, "Group is required"},
		{"no pool", func(c *Config) { c.Pool = nil }, "Pool is required"},
		{"no schema", func(c *Config) { c.Schema = "" }, "Schema is required"},
		{"no serde", func(c *Config) { c.Serde = nil }, "Serde is required"},
		{"no routes", func(c *Config) { c.Routes = nil }, "at least one Route"},
		{"two routes for a topic", func(c *Config) { c.Routes = append(c.Routes, Handle("in", nop)) }, "more than one route"},
		{"zero route", func(c *Config) { c.Routes = []Route{{}} }, "was not built with Handle"},
		{"consuming own dead letters", func(c *Config) { c.Routes = []Route{Handle("novatrek.support.dlq.svc-x", nop)} }, "own dead-letter topic"},
		{"backoff bounds", func(c *Config) { c.MaxBackoff = c.MinBackoff / 2 }, "backoff bounds"},
		{"negative batch", func(c *Config) { c.MaxBatchRecords = -1 }, "MaxBatchRecords"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			c.setDefaults()
			tc.mod(&c)
			err := c.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate() = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
