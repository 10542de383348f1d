// Package ops_test checks the Grafana dashboard and the Prometheus alert rules under ops/
// against the metrics our code really exports.
package ops_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.yaml.in/yaml/v3"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// TestOpsFilesUseExportedMetrics runs the test processor (stream runtime and outbox relay)
// and the lag exporter on one registry with records flowing, including a dead letter, then
// fails for any metric the dashboard or the alert rules use that the registry does not have,
// and for any label they select on or group by that the metric's series do not carry.
func TestOpsFilesUseExportedMetrics(t *testing.T) {
	t.Parallel()
	exported := exportedSeries(t)

	exprs := dashboardExprs(t, "grafana/novatrek-support.json")
	for where, expr := range alertExprs(t, "prometheus/alerts.yml") {
		exprs[where] = expr
	}
	used := map[string][]string{} // metric -> where
	labels := 0
	for where, expr := range exprs {
		for _, m := range metricNames(expr) {
			used[m] = append(used[m], where)
		}
		sel, grp := labelUses(expr)
		for _, ls := range sel {
			labels += len(ls)
		}
		labels += len(grp)
		for _, problem := range labelProblems(exported, expr) {
			t.Errorf("%s: %s\n  in %s", where, problem, expr)
		}
	}
	if len(used) < 10 || labels < 10 {
		t.Fatalf("found only %d metric names and %d label uses in the ops files: is the parsing broken? %v", len(used), labels, used)
	}
	for m, where := range used {
		if _, ok := exported[m]; !ok {
			t.Errorf("%s is used by %v but not exported by our code", m, where)
		}
	}
	t.Logf("%d metric names and %d label uses, all exported", len(used), labels)
}

// exportedSeries gathers a registry on which our collectors run with real data, and returns
// every sample name it exposes (histograms as _bucket, _sum and _count too) with the label
// names of its series.
func exportedSeries(t *testing.T) map[string]map[string]bool {
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
	series := map[string]map[string]bool{}
	add := func(name string, labels map[string]bool, extra ...string) {
		if series[name] == nil {
			series[name] = map[string]bool{}
		}
		maps.Copy(series[name], labels)
		for _, l := range extra {
			series[name][l] = true
		}
	}
	for _, f := range families {
		n := f.GetName()
		labels := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = true
			}
		}
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			add(n, labels)
			add(n+"_bucket", labels, "le")
			add(n+"_sum", labels)
			add(n+"_count", labels)
		case dto.MetricType_SUMMARY:
			add(n, labels, "quantile")
			add(n+"_sum", labels)
			add(n+"_count", labels)
		default:
			add(n, labels)
		}
	}
	return series
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
	// label_values(metric, label) is checked as the query it stands for, grouping metric by label.
	labelValues := regexp.MustCompile(`label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)`)
	for _, v := range dash.Templating.List {
		if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
			out[path+": variable "+v.Name] = "count by (" + m[2] + ") (" + m[1] + ")"
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

var (
	selector     = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}`)
	matcherLabel = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	groupClause  = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
)

// labelUses extracts the label names of a PromQL expression: per metric, those its
// selectors match on ({consumergroup=~"..."}); and per clause keyword, those of its
// grouping clauses (by (...), without (...), on, ignoring, group_left, group_right).
func labelUses(expr string) (selectors map[string][]string, grouping map[string][]string) {
	e := stringLit.ReplaceAllString(expr, `""`)
	selectors, grouping = map[string][]string{}, map[string][]string{}
	for _, m := range selector.FindAllStringSubmatch(e, -1) {
		for _, l := range matcherLabel.FindAllStringSubmatch(m[2], -1) {
			selectors[m[1]] = append(selectors[m[1]], l[1])
		}
	}
	for _, m := range groupClause.FindAllStringSubmatch(e, -1) {
		for l := range strings.SplitSeq(m[2], ",") {
			if l = strings.TrimSpace(l); l != "" {
				grouping[m[1]] = append(grouping[m[1]], l)
			}
		}
	}
	return selectors, grouping
}

// labelProblems checks the labels of expr against the exported series: a selector's labels
// must be on its metric; by, without, on and ignoring labels on every metric of the
// expression (else the aggregation silently lumps series together, or matches nothing);
// group_left and group_right labels on at least one. __name__ is on every metric.
func labelProblems(exported map[string]map[string]bool, expr string) []string {
	var problems []string
	selectors, grouping := labelUses(expr)
	for metric, labels := range selectors {
		for _, l := range labels {
			if l != "__name__" && metric != "" && exported[metric] != nil && !exported[metric][l] {
				problems = append(problems, fmt.Sprintf("%s{%s=...}: the exported %s has no label %s (it has %s)",
					metric, l, metric, l, strings.Join(slices.Sorted(maps.Keys(exported[metric])), ", ")))
			}
		}
	}
	metrics := metricNames(expr)
	for clause, labels := range grouping {
		for _, l := range labels {
			var with, without []string
			for _, m := range metrics {
				if exported[m] == nil {
					continue // reported as an unexported metric
				}
				if exported[m][l] {
					with = append(with, m)
				} else {
					without = append(without, m)
				}
			}
			every := clause != "group_left" && clause != "group_right"
			if (every && len(without) > 0) || (!every && len(with) == 0 && len(without) > 0) {
				problems = append(problems, fmt.Sprintf("%s (%s): label %s is not exported on %s", clause, l, l, strings.Join(without, ", ")))
			}
		}
	}
	slices.Sort(problems)
	return problems
}

func TestLabelProblems(t *testing.T) {
	t.Parallel()
	exported := map[string]map[string]bool{
		"kafka_consumergroup_lag":                {"consumergroup": true, "topic": true, "partition": true},
		"novatrek_stream_handler_seconds_bucket": {"group": true, "le": true},
		"info":                                   {"topic": true, "owner": true},
	}
	for expr, want := range map[string]int{
		`sum by (consumergroup, topic) (kafka_consumergroup_lag{consumergroup=~"svc-.*", topic!="x"})`:         0,
		`histogram_quantile(0.99, sum by (group, le) (rate(novatrek_stream_handler_seconds_bucket[5m])))`:      0,
		`kafka_consumergroup_lag * on (topic) group_left (owner) info`:                                         0,
		`sum by (consumer_group) (kafka_consumergroup_lag)`:                                                    1,
		`sum without (group) (kafka_consumergroup_lag{group="svc-x"})`:                                         2,
		`max by (consumergroup) (kafka_consumergroup_lag{consumergroup="a"}) / on (group) group_left (x) info`: 3,
		`count by (status) (kafka_consumergroup_lag{__name__=~"kafka.*", state="{a}"})`:                        2,
	} {
		if got := labelProblems(exported, expr); len(got) != want {
			t.Errorf("labelProblems(%q) = %d problems %q; want %d", expr, len(got), got, want)
		}
	}
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
