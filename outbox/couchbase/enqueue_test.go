package cboutbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/couchbase/gocb/v2"

	"github.com/novatrek/support/outbox"
	cboutbox "github.com/novatrek/support/outbox/couchbase"
)

// TestEnqueueRefusesWhatCouldNeverBePublished: a message without a topic or over the size
// limit is refused before anything is written (no server needed: nothing is), naming why.
func TestEnqueueRefusesWhatCouldNeverBePublished(t *testing.T) {
	if _, err := cboutbox.New(nil, "outbox"); err == nil {
		t.Error("New without a scope: no error")
	}
	// gocb connects in the background: a cluster on a closed port gives the handles.
	cluster, err := gocb.Connect("couchbase://127.0.0.1:1", gocb.ClusterOptions{Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Close(nil) })
	scope := cluster.Bucket("novatrek").Scope("loyalty")
	o, err := cboutbox.New(scope, "outbox", cboutbox.MaxMessageBytes(10))
	if err != nil {
		t.Fatal(err)
	}
	ac := &gocb.TransactionAttemptContext{}
	for _, tc := range []struct {
		m    outbox.Message
		want string
	}{
		{outbox.Message{Value: []byte("v")}, "has no topic"},
		{outbox.Message{Topic: "t", Value: []byte("eleven bytes")}, "over the 10-byte limit"},
	} {
		if err := o.Enqueue(context.Background(), ac, tc.m); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.m, err, tc.want)
		}
	}
	if err := o.Enqueue(context.Background(), nil, outbox.Message{Topic: "t"}); err == nil {
		t.Error("a nil transaction: no error")
	}
}
