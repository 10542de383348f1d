// Package ops_test checks the Grafana dashboard and the Prometheus alert rules under ops/
// against the metrics our code really exports.
package ops_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"
	"gopkg.in/yaml.v3"

	"github.com/novatrek/support/internal/kafkatest"
	"github.com/novatrek/support/internal/lag"
	"github.com/novatrek/support/internal/pgtest"
	"github.com/novatrek/support/internal/service"
	"github.com/novatrek/support/internal/stream"
	"github.com/novatrek/support/internal/stream/streamtest"
	"github.com/novatrek/support/internal/testproc"
	"github.com/novatrek/support/internal/topology"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// TestOpsFilesUseExportedMetrics runs the test processor (stream runtime and outbox relay)
// and the lag exporter on one registry with records flowing, including a dead letter, then
// fails for any metric the dashboard or the alert rules use that the registry does not have.
func TestOpsFilesUseExportedMetrics(t *testing.T) {
	t.Parallel()
	exported := exportedNames(t)

	used := map[string][]string{} // metric -> where
	for where, expr := range dashboardExprs(t, "grafana/novatrek-support.json") {
		for _, m := range metricNames(expr) {
			used[m] = append(used[m], where)
		}
	}
	for where, expr := range alertExprs(t, "prometheus/alerts.yml") {
		for _, m := range metricNames(expr) {
			used[m] = append(used[m], where)
		}
	}
	if len(used) < 10 {
		t.Fatalf("found only %d metric names in the ops files: is the parsing broken? %v", len(used), used)
	}
	for m, where := range used {
		if !exported[m] {
			t.Errorf("%s is used by %v but not exported by our code", m, where)
		}
	}
	t.Logf("%d metric names used, all exported", len(used))
}

// exportedNames gathers a registry on which our collectors run with real data, and returns
// every sample name it exposes (histograms as _bucket, _sum and _count too).
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	ctx := context.Background()
	env := kafkatest.New(t)
	pool := pgtest.NewDB(t)
	log := streamtest.Logger(t, slog.LevelWarn)
	if err := testproc.Migrate(ctx, pool, testproc.Schema); err != nil {
		t.Fatal(err)
	}
	streamtest.CreateTopics(t, env, 2, testproc.CreatedTopic, testproc.StatusTopic, testproc.OutputTopic)
	streamtest.CreateTopics(t, env, 1, topology.DeadLetterTopic(testproc.Group))
	reg := service.NewMetricsRegistry()

	proc, err := testproc.New(testproc.Schema, env.Serde)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := stream.New(stream.Config{
		Group: testproc.Group, Brokers: env.Brokers, Pool: pool, Schema: testproc.Schema,
		Routes: proc.Routes(), Serde: env.Serde, Logger: log, Metrics: reg,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	streamtest.Start(t, sp)

	ob, err := pgoutbox.New(testproc.Schema)
	if err != nil {
		t.Fatal(err)
	}
	streamtest.StartRelay(t, outbox.Config{
		Store: ob.Store(pool), ClientOpts: []kgo.Opt{kgo.SeedBrokers(env.Brokers...)}, Logger: log, Metrics: reg,
		PollInterval: 50 * time.Millisecond, LeaseRetry: 50 * time.Millisecond, StatsInterval: 50 * time.Millisecond,
	})

	cl := env.Client(t)
	if err := (testproc.Producer{Seed: "ops"}).ProduceCreated(ctx, cl, env.Serde, 0, 20); err != nil {
		t.Fatal(err)
	}
	poison := &kgo.Record{Topic: testproc.CreatedTopic, Key: []byte("poison"), Value: []byte("not avro")}
	if err := cl.ProduceSync(ctx, poison).FirstErr(); err != nil {
		t.Fatal(err)
	}

	obs, err := lag.New(lag.Config{Client: cl, Groups: []string{testproc.Group}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := lag.NewExporter(lag.ExporterConfig{Observer: obs, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister(exp)
	streamtest.Eventually(t, "the test processor caught up, dead-lettered the poison record and relayed its outbox", func() (bool, error) {
		if err := exp.Refresh(ctx); err != nil {
			return false, err
		}
		snap, _ := exp.Latest()
		caughtUp, dead := false, false
		for _, g := range snap.Groups {
			caughtUp = caughtUp || (g.Group == testproc.Group && g.Lag == 0 && len(g.Partitions) > 0)
		}
		for _, d := range snap.DeadLetters {
			dead = dead || (d.Group == testproc.Group && d.Records == 1)
		}
		published := false
		for _, tp := range snap.Partitions {
			published = published || (tp.Topic == testproc.OutputTopic && tp.HighWater > 0)
		}
		return caughtUp && dead && published, nil
	})

	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	names := map[string]bool{}
	for _, f := range families {
		n := f.GetName()
		names[n] = true
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			names[n+"_bucket"], names[n+"_sum"], names[n+"_count"] = true, true, true
		case dto.MetricType_SUMMARY:
			names[n+"_sum"], names[n+"_count"] = true, true
		}
	}
	return names
}

// dashboardExprs returns every PromQL expression of the dashboard: panel targets (rows'
// nested panels too) and the metric of label_values template queries.
func dashboardExprs(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels []panel `json:"panels"`
	}
	var dash struct {
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s is not a dashboard: %v", path, err)
	}
	out := map[string]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for i, tg := range p.Targets {
				if tg.Expr != "" {
					out[path+": "+p.Title+" #"+string(rune('A'+i))] = tg.Expr
				}
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	labelValues := regexp.MustCompile(`label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,`)
	for _, v := range dash.Templating.List {
		if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
			out[path+": variable "+v.Name] = m[1]
		}
	}
	return out
}

// alertExprs returns the expr of every rule, by alert name.
func alertExprs(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert  string `yaml:"alert"`
				Record string `yaml:"record"`
				Expr   string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatalf("%s is not a rules file: %v", path, err)
	}
	out := map[string]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Expr == "" {
				t.Errorf("%s: rule %s%s has no expr", path, r.Alert, r.Record)
			}
			out[path+": "+r.Alert+r.Record] = r.Expr
		}
	}
	return out
}

var (
	stringLit   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	matchers    = regexp.MustCompile(`\{[^}]*\}`)
	ranges      = regexp.MustCompile(`\[[^\]]*\]`)
	grouping    = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	identifier  = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	nonMetricKW = []string{"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2"}
)

// metricNames extracts the metric names of a PromQL expression: what is left once strings,
// label matchers, ranges and grouping clauses are removed, minus function calls (an
// identifier followed by "(") and keywords.
func metricNames(expr string) []string {
	e := stringLit.ReplaceAllString(expr, `""`)
	e = matchers.ReplaceAllString(e, " ")
	e = ranges.ReplaceAllString(e, " ")
	e = grouping.ReplaceAllString(e, " ")
	var out []string
	for _, loc := range identifier.FindAllStringIndex(e, -1) {
		name := e[loc[0]:loc[1]]
		if loc[0] > 0 && (e[loc[0]-1] == '$' || (e[loc[0]-1] >= '0' && e[loc[0]-1] <= '9') || e[loc[0]-1] == '.') {
			continue // a variable, or a duration/number suffix such as 5m or 1e3
		}
		if strings.HasPrefix(strings.TrimLeft(e[loc[1]:], " \t\n"), "(") || slices.Contains(nonMetricKW, strings.ToLower(name)) {
			continue
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string][]string{
		`sum by (consumergroup) (kafka_consumergroup_lag{consumergroup=~"$group"})`:                       {"kafka_consumergroup_lag"},
		`histogram_quantile(0.99, sum by (group, le) (rate(novatrek_stream_handler_seconds_bucket[5m])))`: {"novatrek_stream_handler_seconds_bucket"},
		`time() - max(novatrek_lag_last_observation_timestamp_seconds) > 120`:                             {"novatrek_lag_last_observation_timestamp_seconds"},
		`a_total / on (x) group_left (y) b_total > bool 1e3 and c unless d offset 5m`:                     {"a_total", "b_total", "c", "d"},
		`max by (outbox) (novatrek_outbox_oldest_row_age_seconds) > 60`:                                   {"novatrek_outbox_oldest_row_age_seconds"},
		`sum(increase(novatrek_dlq_records_produced_total{consumergroup="svc-x"}[$__rate_interval])) > 0`: {"novatrek_dlq_records_produced_total"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %v; want %v", expr, got, want)
		}
	}
}

// TestAlertRulesPromtool checks the rules file with Prometheus's own parser when promtool is
// installed (Debian package prometheus); the metric check above does not need it.
func TestAlertRulesPromtool(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus); rules syntax not checked by Prometheus itself")
	}
	out, err := exec.Command(promtool, "check", "rules", "prometheus/alerts.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
