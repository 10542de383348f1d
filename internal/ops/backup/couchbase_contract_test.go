package backup_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/couchbase/gocb/v2"
	"github.com/google/uuid"

	"github.com/novatrek/support/internal/ops/backup"
)

// TestCouchbaseContract runs cbbackupmgr for real against the Couchbase server COUCHBASE_URL
// names (COUCHBASE_USERNAME, COUCHBASE_PASSWORD, COUCHBASE_BUCKET default novatrek), on a
// scope of its own dropped afterwards: the first backup configures the repository, the
// second does not, a restore of the first backup brings back the document as it was then
// (over a newer version, with --force-updates), and the newest brings back the second.
// cbbackupmgr must be on PATH or in /opt/couchbase/bin (Enterprise Edition; compose's
// Community image has no merge).
func TestCouchbaseContract(t *testing.T) {
	url := os.Getenv("COUCHBASE_URL")
	if url == "" {
		t.Skip("COUCHBASE_URL is not set: this suite needs a Couchbase 7 server (compose.kafka.yml's couchbase) and cbbackupmgr")
	}
	if _, err := exec.LookPath("cbbackupmgr"); err != nil {
		if _, err := os.Stat("/opt/couchbase/bin/cbbackupmgr"); err != nil {
			t.Skip("cbbackupmgr is not on PATH or in /opt/couchbase/bin: this suite runs it")
		}
	}
	user, password := os.Getenv("COUCHBASE_USERNAME"), os.Getenv("COUCHBASE_PASSWORD")
	bucketName := os.Getenv("COUCHBASE_BUCKET")
	if bucketName == "" {
		bucketName = "novatrek"
	}
	cluster, err := gocb.Connect(url, gocb.ClusterOptions{Authenticator: gocb.PasswordAuthenticator{Username: user, Password: password}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Close(nil) })
	bucket := cluster.Bucket(bucketName)
	if err := bucket.WaitUntilReady(30*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	scope := "backup_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	mgr := bucket.CollectionsV2()
	if err := mgr.CreateScope(scope, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mgr.DropScope(scope, nil) })
	if err := mgr.CreateCollection(scope, "members", nil, nil); err != nil {
		t.Fatal(err)
	}
	coll := bucket.Scope(scope).Collection("members")
	put := func(v int) {
		t.Helper()
		var err error
		for range 50 { // a new collection takes a moment to reach every node
			if _, err = coll.Upsert("m-1", map[string]int{"points": v}, nil); err == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatal(err)
	}
	points := func() int {
		t.Helper()
		res, err := coll.Get("m-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]int
		if err := res.Content(&doc); err != nil {
			t.Fatal(err)
		}
		return doc["points"]
	}
	c := backup.Couchbase{Archive: filepath.Join(t.TempDir(), "couchbase"), Service: "svc-loyalty-rewards", Cluster: url,
		Username: user, Password: password, Bucket: bucketName, Scope: scope, Threads: 2}
	put(100)
	first, err := c.Backup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	put(250)
	second, err := c.Backup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !first.Configured || second.Configured || len(second.Backups) != 2 {
		t.Fatalf("configured %v then %v, %d backups; want the repository configured once and two backups",
			first.Configured, second.Configured, len(second.Backups))
	}
	put(999)
	if _, err := c.Restore(t.Context(), second.Backups[0].Name, true); err != nil {
		t.Fatal(err)
	}
	if got := points(); got != 100 {
		t.Errorf("after restoring the first backup: %d points, want 100", got)
	}
	if _, err := c.Restore(t.Context(), "", true); err != nil {
		t.Fatal(err)
	}
	if got := points(); got != 250 {
		t.Errorf("after restoring the newest backup: %d points, want 250", got)
	}
	// A month later both backups are past the 30 days: the next backup merges them.
	c.Now = time.Now().AddDate(0, 0, 31)
	third, err := c.Backup(t.Context())
	if err != nil && strings.Contains(err.Error(), "Enterprise") {
		t.Skipf("merge needs Couchbase Enterprise Edition: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Merged) != 3 {
		t.Errorf("merged %d backups a month later, want all 3", len(third.Merged))
	}
	if after, err := backup.ListCB(filepath.Join(c.Archive, c.Service)); err != nil || len(after) != 1 {
		t.Errorf("%d backups after the merge (%v), want one", len(after), err)
	}
}
