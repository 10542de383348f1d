package valkeystream

import (
	"strings"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

// fakeClient satisfies valkey.Client for config checks; no command is ever sent through it.
type fakeClient struct{ valkey.Client }

func TestSubscriberConfigDefaultsAndValidate(t *testing.T) {
	cfg := SubscriberConfig{Client: fakeClient{}, ConsumerGroup: "g"}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if cfg.StartID != "0" || cfg.BlockTime != time.Second || cfg.ReadCount != 10 || cfg.ClaimInterval != 5*time.Second ||
		cfg.ClaimMinIdle != 30*time.Second || cfg.ClaimCount != 100 || cfg.ConsumerIdleTimeout != 30*time.Minute ||
		cfg.Consumer == "" || cfg.Unmarshaler == nil || cfg.DeleteOnAck || cfg.NackResendDelay != 0 {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}

	for _, tc := range []struct {
		name   string
		modify func(*SubscriberConfig)
		want   string
	}{
		{"no client", func(c *SubscriberConfig) { c.Client = nil }, "Client is required"},
		{"no group", func(c *SubscriberConfig) { c.ConsumerGroup = "" }, "ConsumerGroup is required"},
		{"block forever", func(c *SubscriberConfig) { c.BlockTime = time.Microsecond }, "BlockTime"},
		{"negative read count", func(c *SubscriberConfig) { c.ReadCount = -1 }, "ReadCount"},
		{"negative claim interval", func(c *SubscriberConfig) { c.ClaimInterval = -time.Second }, "ClaimInterval"},
		{"tiny claim idle", func(c *SubscriberConfig) { c.ClaimMinIdle = time.Millisecond }, "ClaimMinIdle"},
		{"negative claim count", func(c *SubscriberConfig) { c.ClaimCount = -5 }, "ClaimCount"},
		{"negative nack delay", func(c *SubscriberConfig) { c.NackResendDelay = -time.Second }, "NackResendDelay"},
		{"consumer timeout too short", func(c *SubscriberConfig) { c.ConsumerIdleTimeout = 59 * time.Second }, "ConsumerIdleTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := SubscriberConfig{Client: fakeClient{}, ConsumerGroup: "g"}
			cfg.setDefaults()
			tc.modify(&cfg)
			err := cfg.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("validate() = %v, want an error about %s", err, tc.want)
			}
		})
	}
}

func TestPublisherConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  PublisherConfig
		want string
	}{
		{"ok", PublisherConfig{Client: fakeClient{}}, ""},
		{"no client", PublisherConfig{}, "Client is required"},
		{"negative max len", PublisherConfig{Client: fakeClient{}, MaxLen: -1}, "MaxLen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPublisher(tc.cfg, nil)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("NewPublisher() = %v, want %q", err, tc.want)
			}
		})
	}
}
