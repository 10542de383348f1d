package valkeystream_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/valkey-io/valkey-go"
)

// Where the tests look for a server, in order: VALKEY_TEST_URL, the Valkey 8 that
// scripts/setup starts for tests, then the dev server (Redis 7 on machines without Valkey);
// database 2, never the dev stack's database 0.
var candidateURLs = []string{"redis://127.0.0.1:6380/2", "redis://127.0.0.1:6379/2"}

type testServer struct {
	url, desc string
	err       error
}

var findServer = sync.OnceValue(func() testServer {
	urls := candidateURLs
	if u := os.Getenv("VALKEY_TEST_URL"); u != "" {
		urls = []string{u}
	}
	var errs []string
	for _, u := range urls {
		desc, err := probe(u)
		if err == nil {
			return testServer{url: u, desc: desc}
		}
		errs = append(errs, fmt.Sprintf("%s: %v", u, err))
	}
	return testServer{err: fmt.Errorf("no Valkey/Redis server answers (run scripts/setup, or set VALKEY_TEST_URL): %s", strings.Join(errs, "; "))}
})

// probe pings a server and describes it ("valkey 8.0.1", "redis 7.0.15").
func probe(url string) (string, error) {
	opt, err := valkey.ParseURL(url)
	if err != nil {
		return "", err
	}
	opt.DisableCache = true
	opt.Dialer.Timeout = 2 * time.Second
	client, err := valkey.NewClient(opt)
	if err != nil {
		return "", err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := client.Do(ctx, client.B().Info().Section("server").Build()).ToString()
	if err != nil {
		return "", err
	}
	fields := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	if v := fields["valkey_version"]; v != "" {
		return "valkey " + v, nil
	}
	return "redis " + fields["redis_version"], nil
}

// valkeyURL is the URL of the server the tests use; it logs which one that is.
func valkeyURL(t testing.TB) string {
	t.Helper()
	url := serverURL(t)
	t.Logf("using %s at %s", findServer().desc, url)
	return url
}

func serverURL(t testing.TB) string {
	t.Helper()
	s := findServer()
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.url
}

// newClient connects to the test server; the client closes when the test ends. Top-level
// tests call valkeyURL first, to log the server.
func newClient(t testing.TB) valkey.Client {
	t.Helper()
	opt, err := valkey.ParseURL(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	opt.DisableCache = true
	client, err := valkey.NewClient(opt)
	if err != nil {
		t.Fatalf("connecting to the test server: %v", err)
	}
	t.Cleanup(client.Close)
	return client
}

// runPrefix starts the name of every stream this test binary makes, so that cleanup can find
// them all, including the ones Watermill's suite names itself.
var runPrefix = "valkeystream-test-" + watermill.NewShortUUID() + "-"

// newTopic names a fresh stream and deletes it when the test ends.
func newTopic(t testing.TB, client valkey.Client) string {
	t.Helper()
	topic := runPrefix + watermill.NewShortUUID()
	t.Cleanup(func() {
		_ = client.Do(context.Background(), client.B().Del().Key(topic).Build()).Error()
	})
	return topic
}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := deleteRunStreams(); err != nil {
		fmt.Fprintln(os.Stderr, "cleaning up test streams:", err)
	}
	os.Exit(code)
}

// deleteRunStreams deletes every stream whose name starts with runPrefix.
func deleteRunStreams() error {
	s := findServer()
	if s.err != nil {
		return nil // the tests said so already
	}
	opt, err := valkey.ParseURL(s.url)
	if err != nil {
		return err
	}
	opt.DisableCache = true
	client, err := valkey.NewClient(opt)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx := context.Background()
	var cursor uint64
	for {
		entry, err := client.Do(ctx, client.B().Scan().Cursor(cursor).Match(runPrefix+"*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			return err
		}
		if len(entry.Elements) > 0 {
			if err := client.Do(ctx, client.B().Del().Key(entry.Elements...).Build()).Error(); err != nil {
				return err
			}
		}
		if entry.Cursor == 0 {
			return nil
		}
		cursor = entry.Cursor
	}
}
