package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/logtest"
)

// TestRegistryServePersistsIDs runs `novatrek registry serve` on a free port, registers every
// schema of topics.yaml into it with `novatrek schemas register`, stops it, serves the same
// directory again and expects every subject with the same ids: the registry on its own keeps
// the promise the dev stack's embedded one keeps.
func TestRegistryServePersistsIDs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url, stop := serveRegistry(t, dir)
	if _, err := execNovatrek(t, "schemas", "register", "--registry", url); err != nil {
		t.Fatalf("schemas register into registry serve: %v", err)
	}
	before := registryIDs(t, url)
	if len(before) == 0 {
		t.Fatal("no subjects after schemas register")
	}
	stop()

	url, stop = serveRegistry(t, dir)
	defer stop()
	if after := registryIDs(t, url); fmt.Sprint(after) != fmt.Sprint(before) { // fmt sorts map keys
		t.Errorf("ids changed across a restart of registry serve:\nbefore %v\nafter  %v", before, after)
	}
}

// TestRegistryServeRefusesBadFlags: a malformed flag is refused before anything listens.
func TestRegistryServeRefusesBadFlags(t *testing.T) {
	t.Parallel()
	for flag, args := range map[string][]string{
		"--dir":           {"--dir", ""},
		"--compatibility": {"--compatibility", "SIDEWAYS", "--dir", t.TempDir()},
	} {
		_, err := execNovatrek(t, append([]string{"registry", "serve", "--listen", "127.0.0.1:0"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("registry serve %v: err = %v; want one naming %s", args, err, flag)
		}
	}
}

// serveRegistry starts `novatrek registry serve --dir dir` on a free port and returns its URL
// and a stop function that interrupts it and expects a clean exit.
func serveRegistry(t *testing.T, dir string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var logs logtest.Buffer
	cmd := newRootCmd()
	cmd.SetOut(io.Discard)
	cmd.SetErr(&logs)
	cmd.SetArgs([]string{"registry", "serve", "--listen", "127.0.0.1:0", "--dir", dir})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	urlRe := regexp.MustCompile(`msg="schema registry serving" url=(\S+)`)
	streamtest.Eventually(t, "registry serve to log its URL", func() (bool, error) {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("registry serve ended before serving: %v\n%s", err, logs.String())
		default:
		}
		m := urlRe.FindStringSubmatch(logs.String())
		if m != nil {
			url = m[1]
		}
		return m != nil, nil
	})
	return url, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("registry serve on interrupt: %v; want a clean exit", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("registry serve did not stop within 10s of the interrupt")
		}
	}
}

// registryIDs maps each subject of the registry at url to the ids of its versions.
func registryIDs(t *testing.T, url string) map[string][]int {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := cl.Subjects(t.Context())
	if err != nil {
		t.Fatalf("list subjects at %s: %v", url, err)
	}
	out := map[string][]int{}
	for _, sub := range subjects {
		versions, err := cl.Schemas(t.Context(), sub)
		if err != nil {
			t.Fatalf("versions of %s: %v", sub, err)
		}
		for _, v := range versions {
			out[sub] = append(out[sub], v.ID)
		}
	}
	return out
}
