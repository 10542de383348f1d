package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/platform/config"
)

// valkeyStartTimeout bounds how long a started server may take to answer PING.
const valkeyStartTimeout = 30 * time.Second

// ensureValkey returns a client on a server answering PING at valkeyURL. When nothing
// listens on a loopback address and allowStart is set, it starts valkey-server (or
// redis-server) with its files in <dataDir>/valkey and returns it so the caller stops it on
// exit.
func ensureValkey(ctx context.Context, valkeyURL, dataDir string, allowStart bool, logger *slog.Logger) (valkey.Client, *child, error) {
	opt, err := valkey.ParseURL(valkeyURL)
	if err != nil {
		return nil, nil, fmt.Errorf("valkey: parse VALKEY_URL: %w", err)
	}
	client, err := pingValkey(ctx, opt)
	if err == nil {
		return client, nil, nil
	}
	host, port, _ := net.SplitHostPort(opt.InitAddress[0])
	if !errors.Is(err, syscall.ECONNREFUSED) || !allowStart || !isLoopback(host) {
		return nil, nil, fmt.Errorf("valkey: nothing usable answers at %s: %w", config.Redact(valkeyURL), err)
	}
	bin, lookErr := findValkeyServer()
	if lookErr != nil {
		return nil, nil, fmt.Errorf("valkey: nothing answers at %s and %w", config.Redact(valkeyURL), lookErr)
	}
	logger.InfoContext(ctx, "no Valkey server answers; starting one", "binary", bin, "addr", opt.InitAddress[0])
	started, err := startValkey(bin, filepath.Join(dataDir, "valkey"), host, port)
	if err != nil {
		return nil, nil, err
	}
	client, err = waitValkey(ctx, opt, started)
	if err != nil {
		_ = started.stop(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	logger.InfoContext(ctx, "Valkey started", "binary", bin, "pid", started.cmd.Process.Pid, "log", started.logPath)
	return client, started, nil
}

// pingValkey connects (valkey-go dials while constructing the client) and sends PING.
func pingValkey(ctx context.Context, opt valkey.ClientOption) (valkey.Client, error) {
	opt.Dialer.Timeout = 3 * time.Second
	client, err := valkey.NewClient(opt)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Do(ctx, client.B().Ping().Build()).Error(); err != nil {
		client.Close()
		return nil, fmt.Errorf("PING: %w", err)
	}
	return client, nil
}

// deleteKeys deletes every key whose name starts with prefix (SCAN MATCH, then UNLINK) and
// returns how many there were.
func deleteKeys(ctx context.Context, client valkey.Client, prefix string) (int, error) {
	if prefix == "" {
		return 0, errors.New("valkey: refusing to delete keys under an empty prefix")
	}
	n := 0
	var cursor uint64
	for {
		scan, err := client.Do(ctx, client.B().Scan().Cursor(cursor).Match(globEscape(prefix)+"*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			return n, fmt.Errorf("valkey: scan keys %s*: %w", prefix, err)
		}
		if len(scan.Elements) > 0 {
			if err := client.Do(ctx, client.B().Unlink().Key(scan.Elements...).Build()).Error(); err != nil {
				return n, fmt.Errorf("valkey: delete keys %s*: %w", prefix, err)
			}
			n += len(scan.Elements)
		}
		if scan.Cursor == 0 {
			return n, nil
		}
		cursor = scan.Cursor
	}
}

// globEscape quotes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func findValkeyServer() (string, error) {
	for _, name := range []string{"valkey-server", "redis-server"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("neither valkey-server nor redis-server is installed (apt-get install redis-server, or point VALKEY_URL at a server)")
}

// startValkey runs the server in the foreground as a child, saving its snapshot in dir.
// SIGTERM makes it save and exit.
func startValkey(bin, dir, host, port string) (*child, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("valkey: create %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("valkey: resolve %s: %w", dir, err)
	}
	if host == "localhost" {
		host = "127.0.0.1" // the server binds addresses, not names
	}
	cmd := exec.Command(bin,
		"--bind", host,
		"--port", port,
		"--dir", abs,
		"--daemonize", "no",
		"--logfile", "", // log to stdout, which goes to server.log
	)
	return startChild("valkey", cmd, filepath.Join(abs, "server.log"), syscall.SIGTERM)
}

// waitValkey polls until the started server answers PING, it exits, or valkeyStartTimeout
// passes.
func waitValkey(ctx context.Context, opt valkey.ClientOption, c *child) (valkey.Client, error) {
	return waitReady(ctx, c, valkeyStartTimeout, 50*time.Millisecond, func(ctx context.Context) (valkey.Client, error) {
		return pingValkey(ctx, opt)
	})
}
