// Package s3fake runs a real S3 server for the dev stack and the tests: versitygw (the
// versity/versitygw gateway, posix backend), which verifies SigV4 signatures and POST
// policies as AWS does, so a tampered, expired, oversize or wrongly typed upload is refused by
// S3 itself, not by our code. It is not a mock: only the credentials are made up.
//
// versitygw runs as a child process, one per Start, because its posix backend changes the
// process's working directory and allows one instance per process. The binary is the tool
// pinned in go.mod (`go tool versitygw`), built once into the Go build cache.
package s3fake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server is one running versitygw with its own credentials and data directory.
type Server struct {
	// URL is the S3 endpoint, http://127.0.0.1:<port>.
	URL string
	// AccessKey and SecretKey are the root credentials, random per start.
	AccessKey, SecretKey string
	cmd                  *exec.Cmd
	exited               chan struct{}
	stderr               *bytes.Buffer
}

// binary is the path of the versitygw tool, resolved once per process.
var binary = sync.OnceValues(func() (string, error) {
	if p := os.Getenv("VERSITYGW_BIN"); p != "" {
		return p, nil
	}
	// `go tool -n` builds the tool pinned in go.mod (cached) and prints its path.
	out, err := exec.Command("go", "tool", "-n", "versitygw").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("build the versitygw tool (go tool -n versitygw): %w: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("build the versitygw tool (go tool -n versitygw): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
})

// Start runs versitygw on a free loopback port serving the buckets under dir (created if
// missing) and waits until it answers its health path.
func Start(dir string) (*Server, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("s3 data dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + port, AccessKey: "fake" + randomHex(8), SecretKey: randomHex(20),
		exited: make(chan struct{}), stderr: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, "--port", port, "--quiet", "--health", "/healthz", "posix", abs)
	// Credentials through the environment, so they never show in a process list.
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	s.cmd.Stderr = s.stderr
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	if err := s.awaitHealthy(30 * time.Second); err != nil {
		_ = s.Stop(context.Background())
		return nil, err
	}
	return s, nil
}

// awaitHealthy polls the health path until versitygw answers, it exits, or limit passes.
func (s *Server) awaitHealthy(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("versitygw exited at start: %s", strings.TrimSpace(s.stderr.String()))
		default:
		}
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("versitygw did not answer on %s within %s", s.URL, limit)
}

// Stop ends the server (SIGTERM, then SIGKILL when ctx ends first).
func (s *Server) Stop(ctx context.Context) error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return nil
	case <-ctx.Done():
		_ = s.cmd.Process.Kill()
		<-s.exited
		return ctx.Err()
	}
}

// freePort is a loopback address no one listens on now. versitygw binds it a moment later;
// another process taking it in between makes Start fail, never hang.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
