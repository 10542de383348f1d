package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/processors/analytics"
)

// consoleOn is a console with an operator token over a service servicetest runs: its
// cluster, registry and database, its definition among the console's services.
func consoleOn[S any](t *testing.T, svc *servicetest.Service[S], def service.Definition) *rig {
	t.Helper()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	obs, err := lag.New(lag.Config{Client: svc.Kafka.Client(t), Consumes: lag.ServiceGroups(topo, service.DefinitionNames([]service.Definition{def}))})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := lag.NewExporter(lag.ExporterConfig{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, console.Config{KafkaOpts: []kgo.Opt{kgo.SeedBrokers(svc.Kafka.Brokers...)}, Registry: svc.Kafka.Registry,
		Lag: exp, Topology: topo, Services: []service.Definition{def}, Pool: svc.DB, Token: testToken, Logger: streamtest.Logger(t, 8)})
}

// rollupCount is how many rollups svc-analytics holds: what a rebuild empties and the
// replay fills again.
func rollupCount[S any](t *testing.T, svc *servicetest.Service[S]) int {
	t.Helper()
	var n int
	if err := svc.DB.QueryRow(context.Background(), `SELECT count(*) FROM analytics.rollups`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRebuildFromTheGroupPage: the group page of svc-analytics (a service with a Rebuild)
// previews a rebuild (to earliest only; refused for another target) and refuses it without
// an operator (401), without the CSRF token (403) and while the service runs (409); with the service stopped an operator's rebuild empties its tables,
// the overview and the group page show it "rebuilding" at 0 %, and once the service runs
// again the replay reaches its target and the tables hold what they held before.
func TestRebuildFromTheGroupPage(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, analytics.Spec)
	for _, id := range dayOfEvents(svc, time.Now().UTC().Add(-time.Minute), 3) {
		svc.AwaitApplied(id)
	}
	before := rollupCount(t, svc)
	r := consoleOn(t, svc, analytics.Spec)
	r.observe()
	group := analytics.ServiceName

	r.mustGet("/groups/"+group, `name="rebuild"`)
	r.mustGet("/groups/"+group+"?target=earliest&rebuild=1", "Rebuild of "+group, "--to-earliest --rebuild --execute",
		"derived tables and its inbox are emptied first", "--execute refuses until they stop")
	if code, body := r.get("/groups/" + group + "?target=latest&rebuild=1"); code != http.StatusBadRequest {
		t.Errorf("a rebuild to latest: %d, want 400 asking for earliest:\n%s", code, excerpt(body))
	} else {
		contains(t, "rebuild to latest", body, "choose the target earliest")
	}

	if code, _ := r.post("/groups/"+group+"/reset", url.Values{"target": {"earliest"}, "rebuild": {"1"}}); code != http.StatusUnauthorized {
		t.Errorf("a rebuild without an operator: %d, want 401", code)
	}
	csrf := r.signIn("alice")
	if code, _ := r.post("/groups/"+group+"/reset", url.Values{"target": {"earliest"}, "rebuild": {"1"}}); code != http.StatusForbidden {
		t.Errorf("a rebuild without the CSRF token: %d, want 403", code)
	}
	form := url.Values{"csrf": {csrf}, "target": {"earliest"}, "rebuild": {"1"}}
	if code, body := r.post("/groups/"+group+"/reset", form); code != http.StatusConflict {
		t.Fatalf("a rebuild while the service runs: %d, want 409:\n%s", code, excerpt(body))
	}
	if n := rollupCount(t, svc); n != before {
		t.Fatalf("a refused rebuild changed the tables: %d rollups, had %d", n, before)
	}

	svc.RestartWith(func() {
		code, body := r.post("/groups/"+group+"/reset", form)
		if code != http.StatusOK {
			t.Fatalf("the rebuild with the service stopped: %d:\n%s", code, excerpt(body))
		}
		contains(t, "rebuild", body, "Reset by alice (console)", "derived tables emptied and its inbox cleared")
		if n := rollupCount(t, svc); n != 0 {
			t.Errorf("after the rebuild %d rollups are left, want none", n)
		}
		r.observe()
		row := between(t, r.mustGet("/"), `data-group="`+group+`"`, `</tr>`)
		contains(t, "overview row", row, "rebuilding", "0 %")
		r.mustGet("/groups/"+group+"/progress", "rebuilding", `id="replay-progress"`)
	})
	streamtest.Eventually(t, "the replay to reach its target", func() (bool, error) {
		_, body := r.get("/groups/" + group + "/progress")
		return strings.Contains(body, `id="replay-done"`), nil
	})
	// svc-analytics counts its rollups once the replay has reached its target (its "rebuild
	// progress" worker ends the rebuild), so they come back shortly after the bar is full.
	streamtest.Eventually(t, "the rollups of before the rebuild", func() (bool, error) {
		return rollupCount(t, svc) == before, nil
	})
}
