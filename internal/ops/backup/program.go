package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// program is a vendor's backup tool (cbbackupmgr, rman) to find and run: unlike pg_dump, it
// ships with the database server's own tools, so it is looked for on PATH and then in the
// directory the vendor installs it in, and its absence is one line saying what to do.
type program struct {
	name string
	// dirs are searched after PATH (/opt/couchbase/bin; $ORACLE_HOME/bin).
	dirs []string
	// missing is what the operator should do when it is nowhere, ending the error's line.
	missing string
}

// path is where the program is, or the one-line error saying it is nowhere.
func (p program) path() (string, error) {
	if path, err := exec.LookPath(p.name); err == nil {
		return path, nil
	} else if !errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("backup: %s: %w", p.name, err)
	}
	var searched []string
	for _, dir := range p.dirs {
		if dir == "" || dir == "bin" {
			continue // an unset $ORACLE_HOME
		}
		path := filepath.Join(dir, p.name)
		if st, err := os.Stat(path); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return path, nil
		}
		searched = append(searched, dir)
	}
	where := "on PATH"
	if len(searched) > 0 {
		where += " or in " + strings.Join(searched, ", ")
	}
	return "", fmt.Errorf("backup: %s is not %s: %s", p.name, where, p.missing)
}

// runProgram runs path with args and env added to the process's environment (a password
// travels there, never on the command line where ps shows it). A failure returns the
// program's own last words (stderr, else stdout: cbbackupmgr and rman report on stdout).
func runProgram(ctx context.Context, path string, env []string, args ...string) error {
	var stdout, stderr strings.Builder
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = lastWords(stdout.String(), 5)
		}
		if msg == "" {
			msg = err.Error()
		}
		subcommand := "" // cbbackupmgr's "backup", or rman's first option
		if len(args) > 0 {
			subcommand = args[0]
		}
		return fmt.Errorf("backup: %s %s failed: %s", filepath.Base(path), subcommand, msg)
	}
	return nil
}

// lastWords are a tool's last n non-blank output lines, joined by "; " to fit an error's
// one line.
func lastWords(out string, n int) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}
