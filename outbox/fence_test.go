package outbox

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// memSession is an outbox held in memory, enough for relayBatch's fetch-ahead path.
type memSession struct{ rows []Row }

func (s *memSession) Lost() <-chan struct{}                     { return nil }
func (s *memSession) Wait(context.Context, time.Duration) error { return nil }
func (s *memSession) Backlog(context.Context) (Backlog, error)  { return Backlog{}, nil }
func (s *memSession) Close(context.Context) error               { return nil }
func (s *memSession) Fetch(_ context.Context, limit int) ([]Row, error) {
	return slices.Clone(s.rows[:min(limit, len(s.rows))]), nil
}

func (s *memSession) Delete(_ context.Context, ids []int64) error {
	s.rows = slices.DeleteFunc(s.rows, func(r Row) bool { return slices.Contains(ids, r.ID) })
	return nil
}

func (s *memSession) DeleteAndFetchAfter(ctx context.Context, ids []int64, after int64, _ []int64, limit int) ([]Row, error) {
	_ = s.Delete(ctx, ids)
	i := slices.IndexFunc(s.rows, func(r Row) bool { return r.ID > after })
	if i < 0 {
		return nil, nil
	}
	return slices.Clone(s.rows[i:min(i+limit, len(s.rows))]), nil
}

func (s *memSession) has(id int64) bool {
	return slices.ContainsFunc(s.rows, func(r Row) bool { return r.ID == id })
}

// TestFencedRelayCommitsAnAgingTransaction: during a backlog a fenced relay produces each
// batch behind the previous one in the same transaction, up to MaxAheadStreak+1 batches,
// while the broker aborts a transaction older than its timeout. Once the open transaction
// reaches its age limit (here: at once), the relay commits it before the next batch joins:
// the first batch's rows are committed and deleted before the second is produced.
func TestFencedRelayCommitsAnAgingTransaction(t *testing.T) {
	const batch = 10
	r, s, cl, p := fencedBacklog(t, batch)
	r.txnMaxAge = 0
	ctx := t.Context()
	for range 2 {
		if _, err := r.relayBatch(ctx, s, cl, p); err != nil {
			t.Fatal(err)
		}
	}
	if s.has(1) || s.has(batch) {
		t.Errorf("the first batch is still in the store: its transaction stayed open while the second batch joined it")
	}
	settleBoth(t, r, s, p, batch)
}

// TestFencedRelayCommitsBeforeItsResumeCheck: a resume check reads committed records only,
// so a fenced relay commits its own open transaction before it checks (the batch fetched
// ahead, while the check's previous round found rows to skip): the first batch is committed
// and deleted before the check reads the tail.
func TestFencedRelayCommitsBeforeItsResumeCheck(t *testing.T) {
	r, s, cl, p := fencedBacklog(t, 10)
	ctx := t.Context()
	if _, err := r.relayBatch(ctx, s, cl, p); err != nil {
		t.Fatal(err)
	}
	if !p.txn.open || p.ahead == nil {
		t.Fatal("the first batch did not leave its transaction open with the next batch fetched ahead")
	}
	p.resume = true
	if _, err := r.relayBatch(ctx, s, cl, p); err != nil {
		t.Fatal(err)
	}
	if s.has(1) || s.has(10) {
		t.Errorf("the first batch is still in the store: its transaction stayed open through the resume check")
	}
	settleBoth(t, r, s, p, 10)
}

func settleBoth(t *testing.T, r *Relay, s *memSession, p *pipeline, batch int) {
	t.Helper()
	if err := r.settle(t.Context(), s, p); err != nil {
		t.Fatal(err)
	}
	if len(s.rows) != batch {
		t.Errorf("%d rows left after two batches settled, want %d", len(s.rows), batch)
	}
}

// fencedBacklog is a fenced relay leading a memSession of three batches of rows, with its
// producer on a kfake cluster, and the pipeline of its leadership.
func fencedBacklog(t *testing.T, batch int) (*Relay, *memSession, *kgo.Client, *pipeline) {
	t.Helper()
	const topic = "novatrek.test.fence"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	s := &memSession{}
	for id := int64(1); id <= int64(3*batch); id++ {
		s.rows = append(s.rows, Row{ID: id, Message: Message{Topic: topic, Key: []byte("k"), Value: []byte(fmt.Sprint(id))}})
	}
	r, err := NewRelay(Config{Store: named("svc"), ClientOpts: []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}, Fence: true, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := r.fencedClient(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return r, s, cl, &pipeline{txn: &txn{client: cl}}
}
