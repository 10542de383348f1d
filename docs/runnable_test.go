// Package docs holds the user guides; its test runs every shell block they mark runnable.
package docs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
)

// runnableMarker, on the line before a ```sh fence, marks the block as one a user can paste
// into a shell against `make run` and see exit 0. It is an HTML comment, so GitHub shows
// nothing of it. Blocks that need what CI has not (Docker, a stopped stack, a long-running
// command) stay unmarked.
const runnableMarker = "<!-- runnable -->"

// block is one runnable shell block: where it is, and its text.
type block struct {
	where string // file:line of its fence
	text  string
}

// runnableBlocks returns the marked ```sh blocks of file; a marker not followed by a ```sh
// fence, or a fence never closed, is an error (a typo would otherwise skip a block silently).
func runnableBlocks(file string) ([]block, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	var out []block
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != runnableMarker {
			continue
		}
		if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "```sh" {
			return nil, fmt.Errorf("%s:%d: %s is not followed by a ```sh fence", file, i+1, runnableMarker)
		}
		start := i + 2
		end := start
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		if end == len(lines) {
			return nil, fmt.Errorf("%s:%d: the runnable block is never closed", file, i+2)
		}
		out = append(out, block{where: fmt.Sprintf("%s:%d", file, i+2), text: strings.Join(lines[start:end], "\n")})
		i = end
	}
	return out, nil
}

// TestRunnableBlocks starts `novatrek dev` as a user would (its own data dir, database,
// Valkey database and free ports), runs every runnable block of README.md and docs/*.md in
// bash with -e and pipefail, and stops the stack with SIGINT, which must exit 0. The
// blocks name the default addresses; the test points those at its own stack, and a
// `novatrek` built once stands in for both `novatrek` and `go run ./cmd/novatrek`.
func TestRunnableBlocks(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"../README.md"}, files...)
	var blocks []block
	for _, f := range files {
		b, err := runnableBlocks(f)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, b...)
	}
	if len(blocks) == 0 {
		t.Fatal("no runnable blocks found")
	}
	for _, tool := range []string{"bash", "curl", "jq", "kcat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (scripts/setup installs it): %v", tool, err)
		}
	}

	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "novatrek"), "./cmd/novatrek")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ports := freePorts(t, 3)
	addr := map[string]string{
		"127.0.0.1:9092": ports[0],
		"127.0.0.1:8081": ports[1],
		"127.0.0.1:8080": ports[2],
	}
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KAFKA_BROKERS="+ports[0],
		"SCHEMA_REGISTRY_URL=http://"+ports[1],
		"HTTP_ADDR="+ports[2],
		"DATABASE_URL="+pgtest.URLToCreate(t),
		"VALKEY_URL="+valkeytest.URL(t, 12),
		"NOVATREK_DATA_DIR="+filepath.Join(t.TempDir(), "data"),
	)
	stopStack := startDev(t, bin, env, ports[2])

	// go run ./cmd/novatrek is the installed binary: building it per line would only cost time.
	const shim = `go() { if [ "$1" = run ] && [ "$2" = ./cmd/novatrek ]; then shift 2; novatrek "$@"; else command go "$@"; fi; }` + "\n"
	work := t.TempDir()
	for _, b := range blocks {
		text := b.text
		for def, ours := range addr {
			text = strings.ReplaceAll(text, def, ours)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", shim+text)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("%s: %v\n--- block\n%s\n--- output\n%s", b.where, err, b.text, out)
			continue
		}
		t.Logf("%s: exit 0", b.where)
	}
	stopStack()
}

// startDev starts novatrek dev and waits until its /readyz answers 200. The returned
// function stops it with SIGINT (Ctrl-C) and fails the test unless it exits 0.
func startDev(t *testing.T, bin string, env []string, httpAddr string) func() {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command(filepath.Join(bin, "novatrek"), "dev", "--simulate-rate", "20/s", "--simulate-seed", "docs", "--status-interval", "0")
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(os.Interrupt)
		if err := <-exited; err != nil {
			t.Errorf("novatrek dev after Ctrl-C: %v (want exit 0)\n%s", err, tail(logs.String(), 40))
		}
	}
	t.Cleanup(stop)
	for {
		select {
		case err := <-exited:
			stopped = true
			t.Fatalf("novatrek dev exited before it was ready: %v\n%s", err, tail(logs.String(), 40))
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop
			}
		}
	}
}

// freePorts returns n loopback addresses free at the time of the call.
func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
