package config

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultKafkaCompression is the codec every producer compresses record batches with when
// KAFKA_COMPRESSION is unset. gzip is the one codec every Kafka client decodes without a
// plugin (kafkajs 2.x ships only gzip; snappy, lz4 and zstd need codec packages there). On
// our events at franz-go's default level it wrote 58 % fewer bytes than none, within 4 % of
// zstd, at about twice the relay's throughput target (README, "Producer compression", from
// `make bench`); it now compresses at its fastest level (gzipLevel), which writes about 5 %
// more bytes: some 56 % fewer than none and 10 % more than zstd, for less CPU.
const DefaultKafkaCompression = "gzip"

// gzipLevel is gzip's fastest level (BestSpeed). On the simulator's events, relayed to
// Apache Kafka (BenchmarkRelayCompression, 2026-12-08, loaded machine), it cut the relay's
// CPU per row from 7.9–8.1 µs to 6.0–6.7 µs against franz-go's default level, for 5 % more
// bytes on the wire (154 instead of 146 a row); the broker's CPU per row stayed the same, and
// every gzip reader reads every level.
const gzipLevel = 1

// compressionCodecs are the accepted KAFKA_COMPRESSION values, in the order messages list them.
var compressionCodecs = []struct {
	name  string
	codec func() kgo.CompressionCodec
}{
	{"none", kgo.NoCompression},
	{"gzip", func() kgo.CompressionCodec { return kgo.GzipCompression().WithLevel(gzipLevel) }},
	{"snappy", kgo.SnappyCompression},
	{"lz4", kgo.Lz4Compression},
	{"zstd", kgo.ZstdCompression},
}

// Compressions lists the accepted KAFKA_COMPRESSION values.
func Compressions() []string {
	names := make([]string, len(compressionCodecs))
	for i, c := range compressionCodecs {
		names[i] = c.name
	}
	return names
}

// CompressionOpt is the producer option that compresses record batches with the named codec
// (empty: DefaultKafkaCompression, so a Config literal needs no value), or an error naming
// KAFKA_COMPRESSION and the accepted values.
func CompressionOpt(name string) (kgo.Opt, error) {
	if name == "" {
		name = DefaultKafkaCompression
	}
	for _, c := range compressionCodecs {
		if c.name == name {
			return kgo.ProducerBatchCompression(c.codec()), nil
		}
	}
	return nil, fmt.Errorf("config: KAFKA_COMPRESSION %q is not one of %s", name, strings.Join(Compressions(), ", "))
}

// KafkaOpts are the options every Kafka client of this process starts from: the seed brokers
// and the producer compression. Building every client from them (instead of from the brokers
// alone) is what makes KAFKA_COMPRESSION hold for every producer: franz-go's own default is
// snappy, which kafkajs cannot read. c must have passed Validate.
func (c Config) KafkaOpts() []kgo.Opt {
	comp, err := CompressionOpt(c.KafkaCompression)
	if err != nil {
		panic(err.Error() + " (KafkaOpts of a Config that was not validated)")
	}
	return []kgo.Opt{kgo.SeedBrokers(c.KafkaBrokers...), comp}
}

// DefaultCompressionOpt compresses with DefaultKafkaCompression. Libraries that build their
// own producing client (the outbox relay, the stream runtime's dead-letter writer) put it
// before their caller's options, so a caller who passes only brokers still gets a codec every
// client reads rather than franz-go's snappy.
func DefaultCompressionOpt() kgo.Opt {
	opt, err := CompressionOpt(DefaultKafkaCompression)
	if err != nil {
		panic(err) // DefaultKafkaCompression is one of compressionCodecs
	}
	return opt
}
