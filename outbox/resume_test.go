package outbox

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// named is a store that only names itself: alreadyPublished needs nothing else of it.
type named string

func (n named) Name() string { return string(n) }
func (named) TryLead(context.Context) (Session, bool, error) {
	return nil, false, fmt.Errorf("not a store")
}

// TestAlreadyPublishedFindsOnlyThisStoresRowsByteForByte: the topic holds rows 1..50 of store
// svc, then many records of another store with the same ids and keys, then a record of svc
// whose id (60) was reused for different bytes (a restored store). Of the waiting rows 41..60,
// exactly 41..50 are found; an unkeyed row (searched on every partition) is found too.
func TestAlreadyPublishedFindsOnlyThisStoresRowsByteForByte(t *testing.T) {
	const topic = "novatrek.test.resume"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	svc := newTestRelay(t, "svc", cl, 100)
	other := newTestRelay(t, "other", cl, 100)

	row := func(id int64, value string) Row {
		key := []byte(fmt.Sprintf("k%d", id%10))
		if id%7 == 0 {
			key = nil
		}
		return Row{ID: id, Message: Message{Topic: topic, Key: key, Value: []byte(value)}}
	}
	produce := func(r *Relay, rows ...Row) {
		recs := make([]*kgo.Record, len(rows))
		for i := range rows {
			recs[i] = &r.records(rows[i : i+1])[0]
		}
		if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	var waiting []Row
	for id := int64(1); id <= 50; id++ {
		produce(svc, row(id, fmt.Sprint("svc-", id)))
		if id > 40 {
			waiting = append(waiting, row(id, fmt.Sprint("svc-", id)))
		}
	}
	for id := int64(1); id <= 1000; id++ {
		produce(other, row(id%60+1, fmt.Sprint("svc-", id%60+1))) // same ids and bytes, other store
	}
	produce(svc, row(60, "an older event under a reused id"))
	for id := int64(51); id <= 60; id++ {
		waiting = append(waiting, row(id, fmt.Sprint("svc-", id)))
	}

	found, unsettled, err := svc.alreadyPublished(context.Background(), cl, waiting)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range waiting {
		if want := r.ID <= 50; found[r.ID] != want {
			t.Errorf("row %d found=%v, want %v", r.ID, found[r.ID], want)
		}
	}
	if unsettled != 0 {
		t.Errorf("%d rows unsettled, want 0", unsettled)
	}

	// With a budget too small to get past the other store's records, nothing is claimed: the
	// rows are counted unsettled and published again (at least once, never lost).
	tight := newTestRelay(t, "svc", cl, 2)
	found, unsettled, err = tight.alreadyPublished(context.Background(), cl, waiting)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 0 || unsettled == 0 {
		t.Errorf("tight budget: %d found, %d unsettled; want none found, some unsettled", len(found), unsettled)
	}
}

func newTestRelay(t *testing.T, store string, cl *kgo.Client, batch int) *Relay {
	t.Helper()
	r, err := NewRelay(Config{Store: named(store), Client: cl, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRowHeaderRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		store string
		id    int64
	}{{"payments", 1}, {"a/b", 9007199254740993}, {"", 0}} {
		rec := &kgo.Record{Headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte("x/1")}, {Key: RowHeader, Value: appendRowHeader(nil, tc.store, tc.id)}}}
		store, id, ok := RowOf(rec)
		if !ok || store != tc.store || id != tc.id {
			t.Errorf("%q/%d came back as %q/%d ok=%v", tc.store, tc.id, store, id, ok)
		}
	}
	for _, v := range []string{"", "payments", "payments/", "payments/x1"} {
		if _, _, ok := ParseRowHeader([]byte(v)); ok {
			t.Errorf("%q parsed as a row header", v)
		}
	}
	if _, _, ok := RowOf(&kgo.Record{}); ok {
		t.Error("a record without the header names a row")
	}
}

// TestAlreadyPublishedReadsUpToAnOpenTransaction: behind this store's rows the partition
// holds a record of a transaction still open (a fenced relay's own, or another producer's).
// The tail reader reads committed records only, so it cannot read past it: the check must
// end its windows at the last stable offset and find the rows, instead of waiting for a
// record it cannot read until its read timeout and publishing them all again.
func TestAlreadyPublishedReadsUpToAnOpenTransaction(t *testing.T) {
	const topic = "novatrek.test.resume.open"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var logs bytes.Buffer
	svc, err := NewRelay(Config{Store: named("svc"), Client: cl, BatchSize: 100, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var waiting []Row
	for id := int64(1); id <= 5; id++ {
		waiting = append(waiting, Row{ID: id, Message: Message{Topic: topic, Key: []byte("k"), Value: []byte(fmt.Sprint("svc-", id))}})
	}
	recs := svc.records(waiting)
	for i := range recs {
		if err := cl.ProduceSync(context.Background(), &recs[i]).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	txp, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("another-producer"))
	if err != nil {
		t.Fatal(err)
	}
	defer txp.Close()
	if err := txp.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := txp.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Value: []byte("open")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	// Row 6 is not on Kafka: its window reaches back to the log start.
	waiting = append(waiting, Row{ID: 6, Message: Message{Topic: topic, Key: []byte("k"), Value: []byte("svc-6")}})

	found, _, err := svc.alreadyPublished(context.Background(), cl, waiting)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 5 || found[6] {
		t.Errorf("found %v, want rows 1 to 5", found)
	}
	if strings.Contains(logs.String(), "failed") {
		t.Errorf("the tail read did not finish:\n%s", logs.String())
	}
}
