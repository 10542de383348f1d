package devstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// child is a server process the stack started (PostgreSQL, Valkey) and must stop.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error // valid after done is closed
	stopSig syscall.Signal
}

// startChild starts cmd with its output appended to logPath.
//
// The child gets its own process group, so the Ctrl-C the terminal sends to `novatrek dev`
// does not reach it before the services using it have stopped; the stack stops it itself.
// It also gets stopSig if this process dies without stopping it (Linux parent-death signal).
func startChild(name string, cmd *exec.Cmd, logPath string, stopSig syscall.Signal) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: open log %s: %w", name, logPath, err)
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = stopSig
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%s: start %s: %w", name, cmd.Path, err)
	}
	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{}), stopSig: stopSig}
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	return c, nil
}

// exited reports whether the process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// waitReady polls connect every interval until it succeeds, the child exits, or timeout
// passes; the errors carry the tail of the child's log.
func waitReady[T any](ctx context.Context, c *child, timeout, interval time.Duration, connect func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		v, err := connect(ctx)
		if err == nil {
			return v, nil
		}
		select {
		case <-c.done:
			return v, fmt.Errorf("%s server exited (%v): %s", c.name, c.err, c.logTail())
		case <-ctx.Done():
			return v, fmt.Errorf("%s server not answering: %w (log: %s)", c.name, err, c.logTail())
		case <-tick.C:
		}
	}
}

// stop sends the graceful stop signal and waits; when ctx ends first it kills the process.
func (c *child) stop(ctx context.Context) error {
	if c.exited() {
		return nil
	}
	if err := c.cmd.Process.Signal(c.stopSig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: signal: %w", c.name, err)
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("%s: did not stop in time; killed", c.name)
	}
}

// logTail returns the last lines of the child's log, for error messages when it failed to
// come up.
func (c *child) logTail() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}

// logPathDir is the directory of the child's files.
func (c *child) logPathDir() string { return filepath.Dir(c.logPath) }
