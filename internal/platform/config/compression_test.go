package config_test

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/config"
)

// TestKafkaCompression checks KAFKA_COMPRESSION reaches the clients built from KafkaOpts, and
// that a value no client could use stops startup with one line naming the accepted ones.
func TestKafkaCompression(t *testing.T) {
	t.Setenv("KAFKA_COMPRESSION", "")
	if got := config.FromEnv().KafkaCompression; got != config.DefaultKafkaCompression {
		t.Errorf("unset KAFKA_COMPRESSION: %q, want the default %q", got, config.DefaultKafkaCompression)
	}
	for _, name := range config.Compressions() {
		t.Setenv("KAFKA_COMPRESSION", name)
		c := config.FromEnv()
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cl, err := kgo.NewClient(c.KafkaOpts()...)
		if err != nil {
			t.Fatal(err)
		}
		codecs, _ := cl.OptValue(kgo.ProducerBatchCompression).([]kgo.CompressionCodec)
		cl.Close()
		want, _ := config.CompressionOpt(name)
		wantCl, _ := kgo.NewClient(want)
		wantCodecs, _ := wantCl.OptValue(kgo.ProducerBatchCompression).([]kgo.CompressionCodec)
		wantCl.Close()
		if len(codecs) != 1 || len(wantCodecs) != 1 || codecs[0] != wantCodecs[0] {
			t.Errorf("%s: client compresses with %v, want %v", name, codecs, wantCodecs)
		}
	}

	t.Setenv("KAFKA_COMPRESSION", "brotli")
	err := config.FromEnv().Validate()
	if err == nil || strings.Contains(err.Error(), "\n") ||
		!strings.Contains(err.Error(), `KAFKA_COMPRESSION "brotli"`) || !strings.Contains(err.Error(), "none, gzip, snappy, lz4, zstd") {
		t.Errorf("KAFKA_COMPRESSION=brotli: %v, want one line naming it and the accepted values", err)
	}
}
