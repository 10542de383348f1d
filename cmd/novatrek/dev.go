package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/dev/devstack"
	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/config"
)

func newDevCmd() *cobra.Command {
	cfg := config.FromEnv()
	var noChildServers, syncWrites, reset, noServices bool
	var simRate, simSeed, kafkaMode, registryMode string
	var statusEvery time.Duration
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole platform in one process: Kafka, schema registry, stores, every service",
		Long: `dev starts, in this process, an embedded Kafka broker and a schema registry (both
persisted in the data dir), creates every topic of topics.yaml, registers every schema,
connects to PostgreSQL and Valkey (starting throwaway servers in the data dir when none
answers and the binaries are installed), migrates every service's store and starts every
service. Ctrl-C stops it; a restart keeps topics, records, offsets and schema ids.

Everything the stack keeps belongs to its data dir: Kafka, the registry and the fakes' files
(the S3 server's objects, in fakes/) live in it, and
its stack.json names the stack's own PostgreSQL database (novatrek_<hash of the data dir>)
and the prefix of every Valkey key its services write. Removing the data dir, or --reset,
starts from scratch: the database is dropped and the keys deleted at the next start. Two
stacks on different data dirs and ports never touch each other's state. DATABASE_URL or
VALKEY_URL given explicitly (environment or flag) are used as is, and the banner says so; a
database given that way is never dropped.

Once up it also serves stand-ins for svc-reservations, svc-guest-profiles and
svc-gear-inventory (see novatrek standins), simulates traffic from the other domains at
--simulate-rate (see novatrek simulate; a fresh random seed each start unless
--simulate-seed), and prints a one-line live status every --status-interval: events/s per
service, consumer lag, dead letters (new ones in parentheses) and outbox backlog.

--kafka external uses the Kafka cluster at KAFKA_BROKERS (--brokers) instead of the
embedded broker: a real Apache Kafka (make kafka-up) or a team's cluster. Its topics are
created and grown from topics.yaml; its records and group offsets belong to the cluster,
so --reset and removing the data dir do not touch them. --schema-registry external
likewise uses the registry at SCHEMA_REGISTRY_URL (--registry) instead of the embedded one
(see novatrek registry serve). The banner says which is which.`,
		Example: `  # the whole platform with gentle simulated traffic and a status line every 5s
  novatrek dev

  # quiet: no simulated traffic, no status lines
  novatrek dev --simulate-rate 0 --status-interval 0

  # start from scratch: drop this data dir's database and Valkey keys, remove the data dir
  novatrek dev --reset

  # the broker without the services, to move their offsets (groups reset refuses live members)
  novatrek dev --no-services --simulate-rate 0

  # a busier day, repeatable, on other ports
  NOVATREK_DATA_DIR=/tmp/nt HTTP_ADDR=127.0.0.1:18080 novatrek dev --simulate-rate 50/s --simulate-seed demo \
    --brokers 127.0.0.1:19092 --registry http://127.0.0.1:18081

  # on a real Apache Kafka broker (make kafka-up), with the embedded registry
  novatrek dev --kafka external --brokers 127.0.0.1:19092`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ext, err := externalParts(cmd, kafkaMode, registryMode)
			if err != nil {
				return err
			}
			dc, err := devstack.FromConfig(cfg, ext)
			if err != nil {
				return err
			}
			// Unset, the stack uses its own database (and the default Valkey); set, as is.
			if !explicitSetting(cmd, "database-url", "DATABASE_URL") {
				dc.DatabaseURL = ""
			}
			if !explicitSetting(cmd, "valkey-url", "VALKEY_URL") {
				dc.ValkeyURL = ""
			}
			dc.Reset = reset
			dc.Logger = cliLogger(cmd.ErrOrStderr())
			if !noServices {
				// The stack starts the fakes once its data dir is ready (after --reset), with
				// their files (the S3 server's objects) in it, and before the services, which
				// read the variables provideFakes exports.
				dc.Fakes = func(ctx context.Context, dir string) (func(context.Context) error, error) {
					stop, err := provideFakes(ctx, dc.Logger, devBaseURL(dc.HTTPAddr),
						fakes.Options{DataDir: dir, StackURL: devBaseURL(dc.HTTPAddr), Storms: devStorms()})
					if err != nil {
						return nil, err
					}
					return func(context.Context) error { stop(); return nil }, nil
				}
			}
			dc.Services, dc.NoServices = services(), noServices
			dc.Banner = cmd.OutOrStdout()
			dc.ConsoleToken = os.Getenv(consoleTokenEnv)
			dc.NoChildServers = noChildServers
			dc.KafkaSyncWrites = syncWrites
			if dc.SimulateRate, err = simulate.ParseRate(simRate); err != nil {
				return fmt.Errorf("--simulate-rate: %w", err)
			}
			dc.SimulateSeed = simSeed
			if statusEvery < 0 {
				return fmt.Errorf("--status-interval %v is negative; 0 disables the status lines", statusEvery)
			}
			dc.StatusInterval, dc.Status = statusEvery, cmd.OutOrStdout()
			return devstack.Run(cmd.Context(), dc)
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().BoolVar(&noChildServers, "no-child-servers", false, "fail instead of starting PostgreSQL/Valkey when none answers")
	cmd.Flags().BoolVar(&noServices, "no-services", false, "migrate the services' stores but start none (to run groups reset --execute against this broker)")
	cmd.Flags().BoolVar(&reset, "reset", false, "start from scratch: remove the data dir, drop its database, delete its Valkey keys")
	cmd.Flags().BoolVar(&syncWrites, "kafka-sync-writes", false, "fsync every produced batch (survives a machine crash, slower)")
	cmd.Flags().StringVar(&kafkaMode, "kafka", modeEmbedded, "embedded: run kfake in this process; external: use the cluster at --brokers")
	cmd.Flags().StringVar(&registryMode, "schema-registry", modeEmbedded, "embedded: serve the registry in this process; external: use the one at --registry")
	cmd.Flags().StringVar(&simRate, "simulate-rate", "5/s", "simulated traffic from the other domains: 5/s, 300/m, ...; 0 disables")
	cmd.Flags().StringVar(&simSeed, "simulate-seed", "", "seed of the simulated traffic (default random each start: repeated seeds repeat event ids)")
	cmd.Flags().DurationVar(&statusEvery, "status-interval", 5*time.Second, "how often to print the live status line; 0 disables")
	return cmd
}

const (
	modeEmbedded = "embedded"
	modeExternal = "external"
)

// externalParts reads --kafka and --schema-registry. An external part must be named
// explicitly: defaulting to 127.0.0.1:9092 or :8081 would quietly use whatever listens there
// (another dev stack's embedded broker, say) instead of the cluster the user meant.
func externalParts(cmd *cobra.Command, kafka, registry string) (devstack.External, error) {
	var ext devstack.External
	for _, m := range []struct {
		flag, value, addrFlag, env string
		external                   *bool
	}{
		{"--kafka", kafka, "brokers", "KAFKA_BROKERS", &ext.Kafka},
		{"--schema-registry", registry, "registry", "SCHEMA_REGISTRY_URL", &ext.Registry},
	} {
		switch m.value {
		case modeEmbedded:
		case modeExternal:
			if !explicitSetting(cmd, m.addrFlag, m.env) {
				return ext, fmt.Errorf("%s external needs %s or --%s: where is it?", m.flag, m.env, m.addrFlag)
			}
			*m.external = true
		default:
			return ext, fmt.Errorf("%s %q: want %s or %s", m.flag, m.value, modeEmbedded, modeExternal)
		}
	}
	return ext, nil
}

// explicitSetting reports whether a setting was given by its flag or environment variable
// rather than left to its default.
func explicitSetting(cmd *cobra.Command, flag, env string) bool {
	return cmd.Flags().Changed(flag) || os.Getenv(env) != ""
}

// cliLogger is the text logger of the long-running commands.
func cliLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// devBaseURL is where `dev` serves a service's API, http://<addr>/<name>, or "" when the
// address is not known before the stack listens (port 0): the fakes then call back on the
// service's own listener.
func devBaseURL(addr string) func(string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" || port == "" {
		return func(string) string { return "" }
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return func(name string) string { return "http://" + net.JoinHostPort(host, port) + "/" + name }
}
