package cboutbox_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/couchbase/gocb/v2"
	"github.com/google/uuid"

	"github.com/novatrek/support/outbox"
	cboutbox "github.com/novatrek/support/outbox/couchbase"
	"github.com/novatrek/support/outbox/outboxtest"
)

// TestContract runs the outbox contract (outboxtest: rollback, slow transactions, order per
// key, wake-ups, polling, failover, broker outage) against the Couchbase server COUCHBASE_URL
// names (COUCHBASE_USERNAME, COUCHBASE_PASSWORD, COUCHBASE_BUCKET default novatrek), each
// proof on a collection of its own in the bucket's _default scope, dropped afterwards.
func TestContract(t *testing.T) {
	if os.Getenv("COUCHBASE_URL") == "" {
		t.Skip("COUCHBASE_URL is not set: this suite needs a Couchbase 7 server (compose.kafka.yml's couchbase)")
	}
	cluster, err := gocb.Connect(os.Getenv("COUCHBASE_URL"), gocb.ClusterOptions{Authenticator: gocb.PasswordAuthenticator{
		Username: os.Getenv("COUCHBASE_USERNAME"), Password: os.Getenv("COUCHBASE_PASSWORD")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Close(nil) })
	bucketName := os.Getenv("COUCHBASE_BUCKET")
	if bucketName == "" {
		bucketName = "novatrek"
	}
	bucket := cluster.Bucket(bucketName)
	if err := bucket.WaitUntilReady(30*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	open := func(t testing.TB) outboxtest.Outbox { return newCollection(t, cluster, bucket) }
	outboxtest.Run(t, open)
	// The lease path needs fencing as the advisory lock does: a relay whose lease lapsed
	// while its produce was held is fenced by its successor's InitProducerID alike.
	t.Run("Fenced", func(t *testing.T) { outboxtest.RunFenced(t, open) })
}

// cbOutbox is an outbox on a fresh collection.
type cbOutbox struct {
	cluster *gocb.Cluster
	o       *cboutbox.Outbox
	coll    *gocb.Collection
}

func newCollection(t testing.TB, cluster *gocb.Cluster, bucket *gocb.Bucket) *cbOutbox {
	t.Helper()
	name := "outbox_" + uuid.NewString()[:8]
	mgr := bucket.CollectionsV2()
	if err := mgr.CreateCollection("_default", name, nil, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mgr.DropCollection("_default", name, nil) })
	o, err := cboutbox.New(bucket.DefaultScope(), name, cboutbox.Lease(600*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// A new collection reaches the query service a moment after it exists.
	deadline := time.Now().Add(30 * time.Second)
	for err = o.Prepare(context.Background()); err != nil && time.Now().Before(deadline); err = o.Prepare(context.Background()) {
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &cbOutbox{cluster: cluster, o: o, coll: bucket.DefaultScope().Collection(name)}
}

func (c *cbOutbox) Store() outbox.Store { return c.o }

// Len counts the messages waiting (request_plus: every commit before the call).
func (c *cbOutbox) Len(t testing.TB) int {
	t.Helper()
	res, err := c.cluster.Query("SELECT RAW COUNT(1) FROM `"+c.coll.Bucket().Name()+"`.`_default`.`"+c.coll.Name()+"` AS o WHERE o.id IS VALUED",
		&gocb.QueryOptions{ScanConsistency: gocb.QueryScanConsistencyRequestPlus})
	var n int
	if err == nil {
		err = res.One(&n)
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// KillLeader deletes the lease behind the leader's back, as an operator or a lapsed
// expiry would: its next renewal finds it gone.
func (c *cbOutbox) KillLeader(t testing.TB) {
	t.Helper()
	if _, err := c.coll.Remove("outbox::lease", nil); err != nil {
		t.Fatalf("remove the lease: %v", err)
	}
}

func (c *cbOutbox) MuteNotifications(testing.TB) { c.o.Mute() }

// Begin runs a Couchbase transaction in a goroutine that stages what Enqueue sends it and
// commits or rolls back when told; an attempt started again stages everything again.
func (c *cbOutbox) Begin(t testing.TB) outboxtest.Tx {
	x := &cbTx{ops: make(chan []outbox.Message), staged: make(chan error), end: make(chan bool), done: make(chan error, 1)}
	go func() {
		var sent [][]outbox.Message
		decided, commit := false, false
		_, err := c.cluster.Transactions().Run(func(ac *gocb.TransactionAttemptContext) error {
			for _, msgs := range sent {
				if err := c.o.Enqueue(context.Background(), ac, msgs...); err != nil {
					return err
				}
			}
			for !decided {
				select {
				case msgs := <-x.ops:
					err := c.o.Enqueue(context.Background(), ac, msgs...)
					if err == nil {
						sent = append(sent, msgs)
					}
					x.staged <- err
				case commit = <-x.end:
					decided = true
				}
			}
			if !commit {
				return errRollback
			}
			return nil
		}, nil)
		if err == nil {
			c.o.Committed()
		}
		x.done <- err
	}()
	t.Cleanup(func() {
		select {
		case x.end <- false:
		default:
		}
	})
	return x
}

var errRollback = errors.New("rolled back by the test")

type cbTx struct {
	ops    chan []outbox.Message
	staged chan error
	end    chan bool
	done   chan error
}

func (x *cbTx) Enqueue(t testing.TB, msgs ...outbox.Message) {
	t.Helper()
	x.ops <- msgs
	if err := <-x.staged; err != nil {
		t.Fatal(err)
	}
}

func (x *cbTx) Commit(t testing.TB) {
	t.Helper()
	x.end <- true
	if err := <-x.done; err != nil {
		t.Fatal(err)
	}
}

func (x *cbTx) Rollback(t testing.TB) {
	t.Helper()
	x.end <- false
	if err := <-x.done; !errors.Is(err, errRollback) {
		t.Fatalf("rollback: %v", err)
	}
}
