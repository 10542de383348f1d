package devstack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications"
)

// TestStackServesConsumerLag: the dev stack's /metrics carries the lag exporter's series for
// a group that committed part of a topic, and for the services the stack runs even before
// they commit; services declared in topics.yaml but not run here are left out.
func TestStackServesConsumerLag(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	// svc-notifications is configured but never started (--no-services), so its group never
	// has a member; svc-analytics is declared in topics.yaml and not configured here.
	cfg.Services = []service.Definition{notifications.Spec}
	cfg.NoServices = true
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })

	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const topic, group, n, k = "devstack.lagtest", "devstack-lag-group", 5, 2
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 1, -1, nil, topic); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	var os kadm.Offsets
	os.AddOffset(topic, 0, k, -1)
	if resp, err := adm.CommitOffsets(ctx, group, os); err != nil || resp.Error() != nil {
		t.Fatalf("commit: %v %v", err, resp.Error())
	}

	wants := []string{
		fmt.Sprintf(`kafka_consumergroup_lag{consumergroup="%s",partition="0",topic="%s"} %d`, group, topic, n-k),
		// Nobody runs it (not one of the stack's services, no member): EMPTY, not STOP.
		fmt.Sprintf(`novatrek_consumergroup_status{consumergroup="%s",status="EMPTY"} 1`, group),
		fmt.Sprintf(`novatrek_consumergroup_inactive{consumergroup="%s"} 1`, group),
		`kafka_consumergroup_members{consumergroup="svc-notifications"} 0`, // configured here, never joined a group
	}
	deadline := time.Now().Add(3 * lagInterval)
	for {
		resp, err := http.Get("http://" + s.HTTPAddr() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := ""
		for _, w := range wants {
			if !strings.Contains(string(body), w+"\n") {
				missing = w
				break
			}
		}
		if missing == "" {
			if strings.Contains(string(body), `consumergroup="svc-analytics"`) {
				for _, l := range strings.Split(string(body), "\n") {
					if strings.HasPrefix(l, "kafka_consumergroup_") && strings.Contains(l, `consumergroup="svc-analytics"`) {
						t.Errorf("/metrics reports svc-analytics, which topics.yaml declares but this stack does not run: %s", l)
					}
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics still lacks %s after %s", missing, 3*lagInterval)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
