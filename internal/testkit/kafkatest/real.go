package kafkatest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ModeVar selects the broker tests run on: unset or "kfake" for the in-process fake, "real"
// for the Apache Kafka broker at KAFKA_BROKERS.
const ModeVar = "NOVATREK_TEST_KAFKA"

// Real reports whether tests run on a real broker, and rejects a value it does not know
// rather than quietly running on kfake.
func Real() (bool, error) {
	switch v := os.Getenv(ModeVar); v {
	case "", "kfake":
		return false, nil
	case "real":
		if os.Getenv("KAFKA_BROKERS") == "" {
			return false, fmt.Errorf("%s=real needs KAFKA_BROKERS (e.g. 127.0.0.1:19092 after `scripts/kafka up`)", ModeVar)
		}
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q: want \"kfake\" or \"real\"", ModeVar, v)
	}
}

// leaseWait bounds the wait for the broker; a test holding one Env while making another
// would otherwise wait forever.
const leaseWait = 10 * time.Minute

// lease is a test's hold on the real broker: its addresses, an admin client that sees fresh
// metadata, and the names that were there before the test (which stay).
type lease struct {
	brokers []string
	adm     *kadm.Client
	keep    names
}

// leaseRealBroker gives the test the real broker to itself until it ends.
//
// The tests use the domain's real topic and group names (the processors under test are built
// on them), so tests on one broker cannot run side by side as they do on their own kfake
// clusters. Instead each Env holds an exclusive lock (flock on a file named after the
// brokers, shared by every test process on the machine) and, when the test ends, deletes the
// topics and groups that appeared while it held the lock. The names present when the lease
// began are kept in a state file beside the lock, so the next holder cleans up after a test
// process that died holding it.
func leaseRealBroker(t testing.TB) *lease {
	t.Helper()
	brokers := strings.Split(os.Getenv("KAFKA_BROKERS"), ",")
	sum := sha256.Sum256([]byte(strings.Join(brokers, ",")))
	base := filepath.Join(os.TempDir(), fmt.Sprintf("novatrek-kafkatest-%x", sum[:6]))

	lock, err := os.OpenFile(base+".lock", os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	deadline := time.Now().Add(leaseWait)
	for {
		err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			lock.Close()
			t.Fatalf("kafkatest: lock %s: %v", lock.Name(), err)
		}
		if time.Now().After(deadline) {
			lock.Close()
			t.Fatalf("kafkatest: the real broker %v stayed leased to another test for %v (does this test hold another Env?)", brokers, leaseWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	release := func() { lock.Close() } // closing the file drops the lock

	// kgo answers a metadata request from its cache while the cache is younger than the
	// minimum age (5s by default): the lists taken here must be fresh.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.MetadataMinAge(10*time.Millisecond))
	if err != nil {
		release()
		t.Fatalf("kafkatest: client for %v: %v", brokers, err)
	}
	adm := kadm.NewClient(cl)
	state := base + ".json"
	keep, err := leaseBaseline(adm, state)
	if err != nil {
		cl.Close()
		release()
		t.Fatalf("kafkatest: real broker %v: %v", brokers, err)
	}
	t.Logf("kafkatest: leased the real broker %v; it already holds topics %v and groups %v, which stay", brokers, keep.Topics, keep.Groups)
	t.Cleanup(func() {
		defer release()
		defer cl.Close()
		removed, err := removeAdded(adm, keep)
		if err != nil {
			t.Errorf("kafkatest: cleaning the real broker after the test: %v", err)
			return
		}
		t.Logf("kafkatest: removed from the real broker: %v", removed)
		if err := os.Remove(state); err != nil {
			t.Errorf("kafkatest: %v", err)
		}
	})
	return &lease{brokers: brokers, adm: adm, keep: keep}
}

// names are the topics and groups on the broker.
type names struct {
	Topics []string `json:"topics"`
	Groups []string `json:"groups"`
}

// leaseBaseline returns the names to keep: those in the state file a dead holder left
// (after removing what it added), else the broker's current ones, written to the file.
func leaseBaseline(adm *kadm.Client, state string) (names, error) {
	var keep names
	b, err := os.ReadFile(state)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &keep); err != nil {
			return keep, fmt.Errorf("state file %s: %w", state, err)
		}
		_, err := removeAdded(adm, keep)
		return keep, err
	case !errors.Is(err, os.ErrNotExist):
		return keep, err
	}
	if keep, err = current(adm); err != nil {
		return keep, err
	}
	b, err = json.Marshal(keep)
	if err != nil {
		return keep, err
	}
	return keep, os.WriteFile(state, b, 0o666)
}

func current(adm *kadm.Client) (names, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topics, err := adm.ListTopics(ctx) // internal topics are not listed
	if err != nil {
		return names{}, fmt.Errorf("list topics: %w", err)
	}
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		return names{}, fmt.Errorf("list groups: %w", err)
	}
	return names{Topics: topics.Names(), Groups: groups.Groups()}, nil
}

// removeAdded deletes the topics and groups that are not in keep, and returns them.
func removeAdded(adm *kadm.Client, keep names) (names, error) {
	now, err := current(adm)
	if err != nil {
		return names{}, err
	}
	added := names{Topics: without(now.Topics, keep.Topics), Groups: without(now.Groups, keep.Groups)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if len(added.Topics) > 0 {
		resp, err := adm.DeleteTopics(ctx, added.Topics...)
		if err == nil {
			err = resp.Error()
		}
		errs = append(errs, err)
	}
	if len(added.Groups) > 0 {
		resp, err := adm.DeleteGroups(ctx, added.Groups...)
		if err == nil {
			err = resp.Error()
		}
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return added, err
	}
	return added, waitGone(ctx, adm, added.Topics)
}

// waitGone waits until the broker no longer lists topics: a deletion is acknowledged by the
// controller before every broker's metadata has caught up, and the next test creating the
// same names must not find them still there.
func waitGone(ctx context.Context, adm *kadm.Client, topics []string) error {
	for {
		listed, err := adm.ListTopics(ctx)
		if err != nil {
			return fmt.Errorf("list topics: %w", err)
		}
		left := slices.DeleteFunc(slices.Clone(topics), func(n string) bool { return !listed.Has(n) })
		if len(left) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("deleted topics %v still listed: %w", left, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func without(all, keep []string) []string {
	var out []string
	for _, n := range all {
		if !slices.Contains(keep, n) {
			out = append(out, n)
		}
	}
	return out
}
