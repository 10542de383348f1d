package lag_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// TestExporterMetrics serves a real observation on /metrics and checks the series: a stopped
// group, its dead-letter topic, the topic offsets and the outbox of a migrated schema.
func TestExporterMetrics(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	cl := env.Client(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	t0 := now.Add(-time.Hour)
	const topic, group, n, k = "lagtest.exported", "svc-exported", 10, 7
	seed(t, cl, topic, n, t0)
	commit(t, cl, group, topic, k)

	// Three dead letters, the first of which retention already deleted.
	dlq := topology.DeadLetterTopic(group)
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, -1, nil, dlq); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: dlq, Value: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kadm.NewClient(cl).DeleteRecords(ctx, kadm.Offsets{dlq: {0: {Topic: dlq, Partition: 0, At: 1}}}); err != nil {
		t.Fatalf("delete the first dead letter: %v", err)
	}

	// An outbox with two waiting rows, the older two minutes old.
	pool := pgtest.NewDB(t)
	if _, err := migrate.Apply(ctx, pool, "svc_exported", pgoutbox.Migrations()); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, pool, `INSERT INTO svc_exported.outbox (topic, value, created_at) VALUES
		('t', 'a', now() - interval '120 seconds'), ('t', 'b', now())`)

	obs, err := lag.New(lag.Config{Client: cl, Groups: []string{group}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := lag.NewExporter(lag.ExporterConfig{Observer: obs, Outboxes: pool})
	if err != nil {
		t.Fatal(err)
	}
	reg := service.NewMetricsRegistry()
	reg.MustRegister(exp)
	if err := exp.Refresh(ctx); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(families).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		// kafka_exporter's *_sum gauges break the naming rule; dashboards rely on their names.
		if strings.HasSuffix(p.Metric, "_sum") && strings.HasPrefix(p.Metric, "kafka_consumergroup_") {
			continue
		}
		if strings.HasPrefix(p.Metric, "kafka_") || strings.HasPrefix(p.Metric, "novatrek_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
	srv := httptest.NewServer(service.NewOpsMux(reg, func() bool { return true }))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)

	ageOfK := now.Sub(stamp(t0, k)).Seconds()
	for _, want := range []string{
		fmt.Sprintf(`kafka_consumergroup_current_offset{consumergroup="%s",partition="0",topic="%s"} %d`, group, topic, k),
		fmt.Sprintf(`kafka_consumergroup_lag{consumergroup="%s",partition="0",topic="%s"} %d`, group, topic, n-k),
		fmt.Sprintf(`kafka_consumergroup_lag_sum{consumergroup="%s",topic="%s"} %d`, group, topic, n-k),
		fmt.Sprintf(`kafka_consumergroup_lag_seconds{consumergroup="%s",partition="0",topic="%s"} %g`, group, topic, ageOfK),
		fmt.Sprintf(`kafka_consumergroup_members{consumergroup="%s"} 0`, group),
		fmt.Sprintf(`kafka_topic_partition_current_offset{partition="0",topic="%s"} %d`, topic, n),
		fmt.Sprintf(`kafka_topic_partition_oldest_offset{partition="0",topic="%s"} 1`, dlq),
		fmt.Sprintf(`kafka_topic_partitions{topic="%s"} 1`, topic),
		fmt.Sprintf(`novatrek_consumergroup_status{consumergroup="%s",status="STOP"} 1`, group),
		fmt.Sprintf(`novatrek_consumergroup_status{consumergroup="%s",status="OK"} 0`, group),
		fmt.Sprintf(`novatrek_consumergroup_status_code{consumergroup="%s"} 4`, group),
		fmt.Sprintf(`novatrek_consumergroup_inactive{consumergroup="%s"} 0`, group),
		fmt.Sprintf(`novatrek_dlq_records{consumergroup="%s",topic="%s"} 2`, group, dlq),
		fmt.Sprintf(`novatrek_dlq_records_produced_total{consumergroup="%s",topic="%s"} 3`, group, dlq),
		`novatrek_outbox_backlog_rows{outbox="svc_exported"} 2`,
		`novatrek_lag_observe_errors_total 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var age float64
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, `novatrek_outbox_oldest_row_age_seconds{outbox="svc_exported"} `); ok {
			fmt.Sscan(v, &age)
		}
	}
	if age < 120 || age > 180 {
		t.Errorf("outbox oldest row age = %f; want about 120s", age)
	}
}
