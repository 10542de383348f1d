package backup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// EnvPGBin names a directory holding the PostgreSQL client programs, used instead of PATH (e.g.
// /usr/lib/postgresql/15/bin when several client versions are installed).
const EnvPGBin = "NOVATREK_PG_BIN"

// tool finds a PostgreSQL client program (pg_dump, pg_restore) in binDir, else on PATH, and
// checks that its major version can handle a server of serverMajor: pg_dump refuses a
// newer server, and pg_restore cannot read the archive a newer pg_dump wrote.
func tool(ctx context.Context, name, binDir string, serverMajor int) (string, error) {
	path, err := lookTool(name, binDir, serverMajor)
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("backup: %s --version: %w", path, err)
	}
	major, err := toolMajor(string(out))
	if err != nil {
		return "", fmt.Errorf("backup: %s: %w", path, err)
	}
	if major < serverMajor {
		return "", fmt.Errorf("backup: %s is version %d but the server is PostgreSQL %d: install the version %d client "+
			"(postgresql-client-%d) and point %s at its bin directory", path, major, serverMajor, serverMajor, serverMajor, EnvPGBin)
	}
	return path, nil
}

// lookTool finds name in binDir, else on PATH, else in Debian's directory of the server's
// version (/usr/lib/postgresql/15/bin), where pg_verifybackup and pg_waldump live: Debian
// links only some client programs into /usr/bin.
func lookTool(name, binDir string, major int) (string, error) {
	if binDir != "" {
		path := filepath.Join(binDir, name)
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("backup: %s not found in %s=%s: %w", name, EnvPGBin, binDir, err)
		}
		return path, nil
	}
	path, err := exec.LookPath(name)
	if debian := filepath.Join("/usr/lib/postgresql", strconv.Itoa(major), "bin", name); errors.Is(err, exec.ErrNotFound) && regularFileAt(debian) {
		return debian, nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("backup: %s not found on PATH: install the PostgreSQL client (postgresql-client-15) "+
			"or set %s to the directory holding it", name, EnvPGBin)
	}
	return path, err
}

var versionLine = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// toolMajor reads the major version from "pg_dump (PostgreSQL) 15.18 (Debian ...)".
func toolMajor(version string) (int, error) {
	m := versionLine.FindStringSubmatch(version)
	if m == nil {
		return 0, fmt.Errorf("unrecognised version %q", strings.TrimSpace(version))
	}
	return strconv.Atoi(m[1])
}

// serverMajor is the major version of the server at dbURL (server_version_num 150018 → 15).
func serverMajor(ctx context.Context, conn *pgx.Conn) (int, error) {
	var num int
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&num); err != nil {
		return 0, fmt.Errorf("backup: server version: %w", err)
	}
	return num / 10000, nil
}

// run runs a client program on the database at dbURL and returns its stderr as the error's
// text when it fails, so pg_dump's own reason reaches the operator.
func run(ctx context.Context, path, dbURL string, args ...string) error {
	cmd, err := dbCommand(ctx, path, dbURL, args...)
	if err != nil {
		return err
	}
	return runCommand(cmd)
}

// dbCommand is the command running a client program on the database at dbURL. The password
// travels in PGPASSWORD, not on the command line where ps would show it.
func dbCommand(ctx context.Context, path, dbURL string, args ...string) (*exec.Cmd, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("backup: database URL: %w", err)
	}
	env := os.Environ()
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	cmd := exec.CommandContext(ctx, path, append(args, "--dbname="+u.String())...)
	cmd.Env = env
	return cmd, nil
}

// runCommand runs cmd and makes its stderr the error's text when it fails.
func runCommand(cmd *exec.Cmd) error {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("backup: %s failed: %s", filepath.Base(cmd.Path), msg)
	}
	return nil
}

// regularFileAt reports whether a regular file is at path (an installed binary, a WAL
// segment), not a directory or nothing.
func regularFileAt(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
