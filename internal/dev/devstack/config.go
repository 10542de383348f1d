package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
)

// Config configures a dev stack. The zero value plus defaults is the stack `novatrek dev`
// runs on a laptop; tests set port 0 addresses and a temporary DataDir.
type Config struct {
	// DataDir holds kafka/, registry/, stack.json (the names of the stack's database and
	// Valkey key prefix) and, when the stack had to start them, postgres/ and valkey/.
	// Default config.DefaultDataDir (".novatrek").
	DataDir string
	// KafkaAddr is where the single broker listens. kfake binds 127.0.0.1 only, so the host
	// must be 127.0.0.1 or localhost; port 0 picks a free port. Default 127.0.0.1:9092.
	// Unused with ExternalBrokers.
	KafkaAddr string
	// ExternalBrokers, when set (`novatrek dev --kafka external`), are the seed brokers of a
	// Kafka cluster the stack uses instead of starting its embedded one: a real broker
	// (`make kafka-up`) or a team's cluster. Its topics are created and grown from
	// topics.yaml as on the embedded broker; its records and offsets are the cluster's, so
	// neither the data dir nor Reset touches them.
	ExternalBrokers []string
	// RegistryAddr is where the schema registry listens; port 0 picks a free port.
	// Default 127.0.0.1:8081. Unused with ExternalRegistryURL.
	RegistryAddr string
	// ExternalRegistryURL, when set (`novatrek dev --schema-registry external`), is a
	// Confluent-compatible schema registry the stack uses instead of serving its own: every
	// schema version is registered there as it would be in the embedded one.
	ExternalRegistryURL string
	// HTTPAddr serves /metrics, /healthz, /readyz and the services' APIs under /<service>/.
	// Default 127.0.0.1:8080.
	HTTPAddr string
	// DatabaseURL, when set (DATABASE_URL given explicitly), is used as is: the database is
	// created if missing and never dropped, and the banner says so. Empty, the default: the
	// stack's own database, named by its data dir (config.DevState), on DatabaseServerURL.
	DatabaseURL string
	// DatabaseServerURL is the server of the stack's own database; its database part is
	// replaced. Default config.DefaultDatabaseURL.
	DatabaseServerURL string
	// ValkeyURL, when set (VALKEY_URL given explicitly), is used as is and the banner says
	// so. Default config.DefaultValkeyURL. Either way every key the services write starts
	// with the data dir's prefix (config.DevState).
	ValkeyURL string
	// Reset removes everything the stack on DataDir owns before it starts: the data dir
	// (Kafka, registry, the fakes' files and S3 objects, throwaway servers), its own
	// database and its Valkey keys. A data dir
	// without its state file (deleted, or never used) is treated the same way, so
	// `rm -rf .novatrek` starts from scratch too.
	Reset bool
	// NoChildServers stops the stack from starting PostgreSQL or Valkey itself when nothing
	// answers; it then fails instead. Default false: start them when the binaries exist.
	NoChildServers bool
	// KafkaCompression is the codec of every producer in the stack (services' relays and dead
	// letters, simulator); empty: config.DefaultKafkaCompression, which kafkajs reads.
	KafkaCompression string
	// KafkaSyncWrites fsyncs every produced batch. Default false: like Kafka, writes go to
	// the OS page cache, which survives a crash of this process but not of the machine.
	KafkaSyncWrites bool
	// Topology defaults to topology.Default(), the topics.yaml built into the binary.
	Topology *topology.Topology
	// Services are started after their stores are migrated; the CLI passes its one list.
	Services []service.Definition
	// Fakes starts the third-party fakes the services' unset clients need (the dev command's
	// fakes.Provide) with their files under dir, <DataDir>/fakes, and returns their stop. It
	// runs after the data dir is prepared (so --reset has already removed the S3 server's
	// objects, and a plain restart finds them again) and before the services, which read
	// the fakes' variables; the fakes stop after the services. nil: none.
	Fakes func(ctx context.Context, dir string) (stop func(context.Context) error, err error)
	// Getenv is the environment the services read (their clients' URLs); default os.Getenv,
	// into which the dev command exports the fakes' variables.
	Getenv func(string) string
	// NoServices migrates the services' stores but starts none of them, so the broker runs
	// without their consumer groups: `novatrek groups reset --execute` refuses while a group
	// has live members, and in dev the broker lives in the same process as the services.
	NoServices bool
	// Logger receives every step; default discards.
	Logger *slog.Logger
	// ConsoleToken is the operator token of the web console at /console/ (re-drives need
	// it); empty: a random one for this run, shown in the banner.
	ConsoleToken string
	// Banner receives the short "what is where" summary once the stack is up; nil: none.
	Banner io.Writer
	// ShutdownTimeout bounds each stopping step; default 15s.
	ShutdownTimeout time.Duration
	// SimulateRate is the events/s of simulated traffic from the other domains
	// (internal/dev/simulate) produced once the stack is up; 0, the default, none. `novatrek
	// dev` defaults to 5.
	SimulateRate float64
	// SimulateSeed seeds the simulator; empty, the default, a random seed (logged).
	SimulateSeed string
	// StatusInterval is how often a one-line live status (events/s per service, lag, dead
	// letters, outbox backlog) is written to Status; 0, the default, never.
	StatusInterval time.Duration
	// Status receives the live status lines; nil: none.
	Status io.Writer
}

// External says which of Kafka and the schema registry the stack uses from elsewhere rather
// than running them itself.
type External struct {
	Kafka, Registry bool
}

// FromConfig maps the shared process settings onto a dev stack Config: the stack serves
// exactly the addresses that clients configured with the same environment will dial, or,
// for what ext names, uses the cluster or registry those settings point at.
func FromConfig(c config.Config, ext External) (Config, error) {
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	dc := Config{
		DataDir:     c.DataDir,
		HTTPAddr:    c.HTTPAddr,
		DatabaseURL: c.DatabaseURL,
		ValkeyURL:   c.ValkeyURL,

		KafkaCompression: c.KafkaCompression,
	}
	switch {
	case ext.Kafka:
		dc.ExternalBrokers = c.KafkaBrokers
	case len(c.KafkaBrokers) != 1:
		return Config{}, fmt.Errorf("devstack: KAFKA_BROKERS lists %d brokers; the embedded broker is one (--kafka external uses a cluster of several)", len(c.KafkaBrokers))
	default:
		dc.KafkaAddr = c.KafkaBrokers[0]
	}
	if ext.Registry {
		dc.ExternalRegistryURL = c.SchemaRegistryURL
		return dc, nil
	}
	reg, err := url.Parse(c.SchemaRegistryURL)
	if err != nil {
		return Config{}, fmt.Errorf("devstack: SCHEMA_REGISTRY_URL: %w", err)
	}
	if reg.Scheme != "http" || (reg.Path != "" && reg.Path != "/") {
		return Config{}, fmt.Errorf("devstack: SCHEMA_REGISTRY_URL %q: the dev registry serves plain http at the root, e.g. http://127.0.0.1:8081", c.SchemaRegistryURL)
	}
	dc.RegistryAddr = reg.Host
	return dc, nil
}

func (c *Config) setDefaults() error {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.DataDir, config.DefaultDataDir)
	// Absolute, so the Kafka and registry files stay put even if something in the process
	// changes the working directory (an embedded S3 gateway does).
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("devstack: resolve data dir %s: %w", c.DataDir, err)
	}
	c.DataDir = abs
	def(&c.KafkaAddr, config.DefaultKafkaBrokers)
	def(&c.RegistryAddr, "127.0.0.1:8081")
	def(&c.HTTPAddr, config.DefaultHTTPAddr)
	def(&c.DatabaseServerURL, config.DefaultDatabaseURL)
	def(&c.ValkeyURL, config.DefaultValkeyURL)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 15 * time.Second
	}
	if c.Topology == nil {
		t, err := topology.Default()
		if err != nil {
			return err
		}
		c.Topology = t
	}
	return nil
}

// validate reports the first unusable setting as one line.
func (c *Config) validate() error {
	if c.DataDir == "" {
		return errors.New("devstack: DataDir is empty")
	}
	if _, err := config.CompressionOpt(c.KafkaCompression); err != nil {
		return err
	}
	if err := c.validateKafka(); err != nil {
		return err
	}
	if err := c.validateRegistry(); err != nil {
		return err
	}
	if _, _, err := splitAddr("HTTPAddr", c.HTTPAddr); err != nil {
		return err
	}
	for name, raw := range map[string]string{"DatabaseURL": c.DatabaseURL, "DatabaseServerURL": c.DatabaseServerURL, "ValkeyURL": c.ValkeyURL} {
		if u, err := url.Parse(raw); (err != nil || u.Host == "") && !(name == "DatabaseURL" && raw == "") {
			return fmt.Errorf("devstack: %s is not a URL with a host", name)
		}
	}
	return runner.Check(c.Services, c.Topology)
}

// validateKafka checks the embedded broker's address, or the external seed brokers.
func (c *Config) validateKafka() error {
	if len(c.ExternalBrokers) > 0 {
		for _, b := range c.ExternalBrokers {
			if _, _, err := splitAddr("external Kafka broker", b); err != nil {
				return err
			}
		}
		return nil
	}
	host, _, err := splitAddr("KafkaAddr", c.KafkaAddr)
	if err != nil {
		return err
	}
	if host != "127.0.0.1" && host != "localhost" {
		return fmt.Errorf("devstack: KafkaAddr %q: the embedded broker listens on 127.0.0.1 only", c.KafkaAddr)
	}
	return nil
}

// validateRegistry checks the embedded registry's address, or the external registry's URL.
func (c *Config) validateRegistry() error {
	if c.ExternalRegistryURL == "" {
		_, _, err := splitAddr("RegistryAddr", c.RegistryAddr)
		return err
	}
	u, err := url.Parse(c.ExternalRegistryURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("devstack: external schema registry %q is not an http(s) URL with a host", c.ExternalRegistryURL)
	}
	return nil
}

func splitAddr(name, addr string) (host string, port int, err error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("devstack: %s %q is not host:port", name, addr)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("devstack: %s %q has no valid port", name, addr)
	}
	return h, n, nil
}
