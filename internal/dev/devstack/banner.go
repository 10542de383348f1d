package devstack

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
)

// summary counts what the start steps did, for the banner.
type summary struct {
	topics   int
	subjects int
}

// writeBanner prints what is where, so a developer can copy the addresses into a client.
func (s *Stack) writeBanner(w io.Writer) {
	origin := func(c *child) string {
		if c != nil {
			return "started here, files in " + c.logPathDir()
		}
		return "existing server"
	}
	svcs := "none implemented yet"
	if len(s.cfg.Services) > 0 {
		svcs = strings.Join(service.DefinitionNames(s.cfg.Services), ", ")
	}
	if s.cfg.NoServices {
		svcs = "none started (--no-services); stores of " + svcs + " migrated"
	}
	fmt.Fprintf(w, "\nNovaTrek dev stack is up (data in %s)\n", s.cfg.DataDir)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	kafka, reg := "embedded (kfake), in the data dir", "embedded, in the data dir"
	if s.kafka == nil {
		kafka = "external cluster (--kafka external)"
	}
	if s.regSrv == nil {
		reg = "external (--schema-registry external)"
	}
	fmt.Fprintf(tw, "  Kafka brokers\t%s\t%d topics, %s\n", strings.Join(s.Brokers(), ","), s.summary.topics, kafka)
	fmt.Fprintf(tw, "  Schema registry\t%s\t%d subjects, %s\n", s.RegistryURL(), s.summary.subjects, reg)
	db := "this data dir's own database, " + origin(s.startedPostgres)
	if s.dbGiven {
		db = "from DATABASE_URL, used as is (kept by rm -rf and --reset), " + origin(s.startedPostgres)
	}
	vk := "keys under " + s.state.ValkeyPrefix + ", " + origin(s.startedValkey)
	if s.valkeyGiven {
		vk = "from VALKEY_URL, used as is; " + vk
	}
	fmt.Fprintf(tw, "  PostgreSQL\t%s\t%s\n", config.Redact(s.cfg.DatabaseURL), db)
	fmt.Fprintf(tw, "  Valkey\t%s\t%s\n", config.Redact(s.cfg.ValkeyURL), vk)
	fmt.Fprintf(tw, "  Metrics, health\thttp://%s/metrics\t/healthz /readyz\n", s.HTTPAddr())
	fmt.Fprintf(tw, "  Web console\thttp://%s/console/\toperator token %s\n", s.HTTPAddr(), s.cfg.ConsoleToken)
	fmt.Fprintf(tw, "  Services\t%s\t\n", svcs)
	prefixes := standin.Prefixes()
	fmt.Fprintf(tw, "  Stand-ins\thttp://%s%s\t%s\n", s.HTTPAddr(), prefixes[0], strings.Join(prefixes[1:], " "))
	if s.cfg.SimulateRate > 0 {
		fmt.Fprintf(tw, "  Simulated traffic\t%g events/s\tseed %s\n", s.cfg.SimulateRate, s.cfg.SimulateSeed)
	}
	tw.Flush()
	fmt.Fprintln(w, "Ctrl-C stops it; topics, records, offsets, schemas and stores persist. rm -rf the data dir or --reset starts from scratch.")
}
