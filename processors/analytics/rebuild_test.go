package analytics

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// resetToEarliest is what `novatrek groups reset svc-analytics --to-earliest --rebuild
// --execute` does to the stopped group: Spec.Rebuild, the inbox cleared, every partition
// of its topics back to offset 0, in one transaction.
func resetToEarliest(t *testing.T, svc *servicetest.Service[*app]) {
	t.Helper()
	ctx := context.Background()
	topics := Spec.Describe().Consumes
	cl := svc.Kafka.Client(t)
	logs, err := stream.Logs(ctx, cl, topics...)
	if err != nil {
		t.Fatal(err)
	}
	var to []stream.Position
	for _, topic := range topics {
		for p := range int32(servicetest.Partitions) {
			to = append(to, stream.Position{Topic: topic, Partition: p, Offset: 0, Log: logs[topic]})
		}
	}
	err = pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error {
		if err := Spec.Rebuild(ctx, tx); err != nil {
			return err
		}
		if _, err := stream.ClearInbox(ctx, tx, "analytics", ServiceName); err != nil {
			return err
		}
		_, err := stream.Rewind(ctx, tx, "analytics", ServiceName, to)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRebuildByReplayGivesIdenticalChecksums: events of every topic over three months,
// some published twice, give checksums that two rebuilds by replay reproduce exactly; the
// rebuild empties the tables first (the count is not doubled) and keeps the partitions.
func TestRebuildByReplayGivesIdenticalChecksums(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithEnv("ANALYTICS_REBUILD_POLL", "100ms"))
	ctx := context.Background()
	now := time.Now().UTC()
	var last []string
	for n := range 4 {
		for k := range kinds {
			at := now.AddDate(0, -n%3, 0).Add(-time.Duration(k) * time.Hour)
			id := publish(svc, k, n, at)
			if n%2 == 0 {
				publish(svc, k, n, at) // a duplicate at another offset
			}
			last = append(last, id)
		}
	}
	// The rollups are complete when the rebuild is marked finished (deferred.go): every
	// event's first copy applied, then the tracker's next round.
	awaitAll := func() {
		for _, id := range last {
			svc.AwaitApplied(id)
		}
		svc.AwaitCount(0, `SELECT count(*) FROM analytics.rebuilds WHERE finished_at IS NULL`)
	}
	awaitAll()
	first, err := Checksums(ctx, svc.DB)
	if err != nil {
		t.Fatal(err)
	}
	if first[0].Rows == 0 || first[len(first)-1].Rows == 0 {
		t.Fatalf("checksums %+v: nothing was stored", first)
	}
	for round := range 2 {
		svc.RestartWith(func() {
			resetToEarliest(t, svc)
			empty, err := Checksums(ctx, svc.DB)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range empty {
				if c.Rows != 0 {
					t.Fatalf("after the reset %s has %d rows, want 0", c.Table, c.Rows)
				}
			}
		})
		// Every event's first copy is applied again (a duplicate behind it on its partition
		// has no effect), so the tables are complete once the last ids are.
		awaitAll()
		again, err := Checksums(ctx, svc.DB)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(first, again) {
			t.Errorf("replay %d: checksums %+v, first run %+v", round+1, again, first)
		}
	}
}

// TestAPISaysItIsRebuildingAndHowFar: after a rebuild the API answers carry the
// Analytics-Rebuild header with the applied and target offsets (the end offsets when the
// tracker first looked), and once the stored offsets reach the target the rebuild is
// marked finished and the header goes. The consumer is off, so the test moves the stored
// offsets itself, as the replay would.
func TestAPISaysItIsRebuildingAndHowFar(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, Spec, servicetest.WithOpenAPICheck(), servicetest.WithoutConsumer(),
		servicetest.WithoutWorkers("partition maintenance", "rebuild progress"))
	ctx := context.Background()
	var recs []*kgo.Record
	for n := range 3 {
		topic, key, ev := sample(6, n, time.Now())
		recs = append(recs, svc.Publish(topic, key, ev))
	}
	if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return Spec.Rebuild(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	if err := svc.State.trackRebuild(ctx); err != nil {
		t.Fatal(err)
	}
	h := svc.Call(CallerAnalysts, "GET", "/v1/safety-metrics", nil).Header.Get(HeaderRebuild)
	if !strings.Contains(h, "rebuilding since") || !strings.Contains(h, "offset sum 0 of 3 ") {
		t.Fatalf("%s = %q, want rebuilding, 0 of 3 applied", HeaderRebuild, h)
	}
	for _, r := range recs {
		if _, err := svc.DB.Exec(ctx, `INSERT INTO analytics.consumer_offsets (consumer_group, topic, partition, next_offset)
			VALUES ($1, $2, $3, $4) ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = greatest(consumer_offsets.next_offset, excluded.next_offset)`,
			ServiceName, r.Topic, r.Partition, r.Offset+1); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.State.trackRebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if h := svc.Call(CallerAnalysts, "GET", "/v1/safety-metrics", nil).Header.Get(HeaderRebuild); h != "" {
		t.Errorf("after the replay reached its target %s = %q, want none", HeaderRebuild, h)
	}
	var open int
	if err := svc.DB.QueryRow(ctx, `SELECT count(*) FROM analytics.rebuilds WHERE finished_at IS NULL`).Scan(&open); err != nil || open != 0 {
		t.Errorf("%d unfinished rebuilds (%v), want 0", open, err)
	}
}
