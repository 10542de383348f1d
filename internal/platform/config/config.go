// Package config reads the 12-factor settings every novatrek command shares.
//
// Each setting has an environment variable and a default that points at the embedded dev
// stack (`novatrek dev`), so a laptop needs no configuration at all. Flags registered with
// [Config.Flags] override the environment. [Config.Validate] turns a malformed value into one
// clear line, so a bad setting stops the program at start instead of failing later.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// Defaults of the embedded dev stack. compose.kafka.yml publishes the same ports, and a test
// checks that the two agree.
const (
	DefaultKafkaBrokers      = "127.0.0.1:9092"
	DefaultSchemaRegistryURL = "http://127.0.0.1:8081"
	DefaultDatabaseURL       = "postgres://postgres@127.0.0.1:5432/novatrek?sslmode=disable"
	DefaultValkeyURL         = "redis://127.0.0.1:6379/0"
	DefaultDataDir           = ".novatrek"
	DefaultHTTPAddr          = "127.0.0.1:8080"
)

// Config holds the connection settings of one novatrek process.
type Config struct {
	// KafkaBrokers is the seed broker list (KAFKA_BROKERS, comma separated).
	KafkaBrokers []string
	// SchemaRegistryURL is the Confluent-compatible registry (SCHEMA_REGISTRY_URL).
	SchemaRegistryURL string
	// DatabaseURL is the PostgreSQL connection string (DATABASE_URL).
	DatabaseURL string
	// ValkeyURL is the Valkey/Redis server (VALKEY_URL).
	ValkeyURL string
	// DataDir is where `novatrek dev` keeps Kafka data, registry state and, if it had to
	// start one, a throwaway PostgreSQL cluster (NOVATREK_DATA_DIR).
	DataDir string
	// HTTPAddr is where a service serves its API, /metrics, /healthz and /readyz (HTTP_ADDR).
	HTTPAddr string
	// KafkaCompression is the codec every producer compresses record batches with
	// (KAFKA_COMPRESSION: none, gzip, snappy, lz4, zstd); see DefaultKafkaCompression.
	KafkaCompression string
}

// FromEnv reads the environment, falling back to the defaults for unset variables.
// An unset DATABASE_URL is the database of the dev stack in NOVATREK_DATA_DIR when that data
// dir names one (DevState), so commands run beside `novatrek dev` use what it uses.
func FromEnv() Config {
	dataDir := envOr("NOVATREK_DATA_DIR", DefaultDataDir)
	return Config{
		KafkaBrokers:      splitList(envOr("KAFKA_BROKERS", DefaultKafkaBrokers)),
		SchemaRegistryURL: envOr("SCHEMA_REGISTRY_URL", DefaultSchemaRegistryURL),
		DatabaseURL:       envOr("DATABASE_URL", defaultDatabaseURL(dataDir)),
		ValkeyURL:         envOr("VALKEY_URL", DefaultValkeyURL),
		DataDir:           dataDir,
		HTTPAddr:          envOr("HTTP_ADDR", DefaultHTTPAddr),
		KafkaCompression:  envOr("KAFKA_COMPRESSION", DefaultKafkaCompression),
	}
}

// Flags registers one flag per setting on fs, each defaulting to the value already in c
// (normally what FromEnv read), so flags override the environment.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&c.KafkaBrokers, "brokers", c.KafkaBrokers, "Kafka seed brokers (env KAFKA_BROKERS)")
	fs.StringVar(&c.SchemaRegistryURL, "registry", c.SchemaRegistryURL, "schema registry URL (env SCHEMA_REGISTRY_URL)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL (env DATABASE_URL)")
	fs.StringVar(&c.ValkeyURL, "valkey-url", c.ValkeyURL, "Valkey/Redis URL (env VALKEY_URL)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory of the dev stack (env NOVATREK_DATA_DIR)")
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "HTTP listen address (env HTTP_ADDR)")
	fs.StringVar(&c.KafkaCompression, "kafka-compression", c.KafkaCompression,
		"producer compression: "+strings.Join(Compressions(), ", ")+" (env KAFKA_COMPRESSION)")
	// --help prints each flag's default, which here comes from the environment: never show
	// the passwords of DATABASE_URL and VALKEY_URL there.
	for _, name := range []string{"database-url", "valkey-url", "registry"} {
		f := fs.Lookup(name)
		f.DefValue = Redact(f.DefValue)
	}
}

// Validate reports the first malformed setting as one line naming the variable.
func (c Config) Validate() error {
	if len(c.KafkaBrokers) == 0 {
		return errors.New("config: KAFKA_BROKERS is empty; want host:port[,host:port...]")
	}
	for _, b := range c.KafkaBrokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			return fmt.Errorf("config: KAFKA_BROKERS entry %q is not host:port", b)
		}
	}
	if err := checkURL("SCHEMA_REGISTRY_URL", c.SchemaRegistryURL, "http", "https"); err != nil {
		return err
	}
	if err := checkURL("DATABASE_URL", c.DatabaseURL, "postgres", "postgresql"); err != nil {
		return err
	}
	if err := checkURL("VALKEY_URL", c.ValkeyURL, "redis", "rediss", "valkey", "valkeys"); err != nil {
		return err
	}
	if c.DataDir == "" {
		return errors.New("config: NOVATREK_DATA_DIR is empty")
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return fmt.Errorf("config: HTTP_ADDR %q is not host:port", c.HTTPAddr)
	}
	if _, err := CompressionOpt(c.KafkaCompression); err != nil {
		return err
	}
	return nil
}

func checkURL(name, raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("config: %s %s is not a URL with a host", name, Redact(raw))
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("config: %s %s has scheme %q; want one of %s", name, u.Redacted(), u.Scheme, strings.Join(schemes, ", "))
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
