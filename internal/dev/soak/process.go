package soak

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// process is a child process of the novatrek binary (the registry, the stack, a service
// instance) that the soak kills and starts again. Its output is appended to its log file.
type process struct {
	name string
	args []string
	env  []string
	log  string
	// addr is the HTTP address it serves /readyz on ("" for none).
	addr string

	// mu guards cmd and done (and addr, which tests change): the faults start a process
	// again while the proxy reads which run is current.
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// current returns the process's command, the channel closed when its current start ends
// (nil before the first start) and its address.
func (p *process) current() (cmd *exec.Cmd, done chan struct{}, addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd, p.done, p.addr
}

// start starts the process (again, after it ended).
func (p *process) start() error {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("soak: %s: %w", p.name, err)
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.env, f, f
	// Its own process group, and SIGKILL if the soak itself dies: no orphan keeps a port.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("soak: start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	return nil
}

// running reports whether the process is started and has not ended.
func (p *process) running() bool {
	_, done, _ := p.current()
	return isOpen(done)
}

// isOpen reports whether done is a run's channel that is not closed yet.
func isOpen(done chan struct{}) bool {
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL, as a crash or the OOM killer would, and waits for the end.
func (p *process) kill() {
	cmd, done, _ := p.current()
	if !isOpen(done) {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// stop asks the process to stop (SIGTERM) and kills it when it has not within grace.
func (p *process) stop(grace time.Duration) {
	cmd, done, _ := p.current()
	if !isOpen(done) {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		p.kill()
	}
}

// waitReady polls the process's /readyz until it answers 200, the process ends or timeout
// passes.
func (p *process) waitReady(ctx context.Context, timeout time.Duration) error {
	return waitHTTP(ctx, "http://"+p.addr+"/readyz", p, timeout)
}

// logPath is where the process named name logs in dir.
func logPath(dir, name string) string { return filepath.Join(dir, "logs", name+".log") }
