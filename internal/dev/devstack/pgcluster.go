package devstack

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// startPostgres starts a PostgreSQL server on host:port with its cluster in root/data,
// running initdb first when the cluster does not exist yet (trust authentication, the
// superuser named by DATABASE_URL). The server runs as a child process and gets SIGINT
// (fast shutdown) on stop.
//
// initdb and postgres refuse to run as root; when we are root they run as the "postgres"
// user, which then owns root.
func startPostgres(ctx context.Context, root, host string, port uint16, superuser string, logger *slog.Logger) (*child, error) {
	bin, err := findPostgresBin()
	if err != nil {
		return nil, err
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("postgres: resolve %s: %w", root, err)
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("postgres: create %s: %w", root, err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		if cred, err = postgresCredential(); err != nil {
			return nil, err
		}
		if err := checkReachable(root, cred); err != nil {
			return nil, err
		}
		if err := chownTree(root, cred); err != nil {
			return nil, err
		}
	}
	if superuser == "" {
		superuser = "postgres"
	}

	data := filepath.Join(root, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		logger.InfoContext(ctx, "initdb", "dir", data, "superuser", superuser)
		initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
			"-D", data, "-U", superuser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-instructions")
		initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := initdb.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("postgres: initdb %s: %w: %s", data, err, lastLine(string(out)))
		}
	}

	srv := exec.Command(filepath.Join(bin, "postgres"),
		"-D", data,
		"-p", strconv.Itoa(int(port)),
		"-c", "listen_addresses="+host,
		"-c", "unix_socket_directories=", // TCP only: socket paths under a deep data dir exceed the 107-byte limit
	)
	srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	c, err := startChild("postgres", srv, filepath.Join(root, "postgres.log"), syscall.SIGINT)
	if err != nil {
		return nil, err
	}
	logger.InfoContext(ctx, "throwaway PostgreSQL started", "dir", data, "port", port, "pid", srv.Process.Pid, "log", filepath.Join(root, "postgres.log"))
	return c, nil
}

// findPostgresBin returns the directory holding initdb and postgres: initdb's on PATH
// (following a symlink, as Debian's wrappers are), else the newest /usr/lib/postgresql/*/bin.
func findPostgresBin() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(versions, func(a, b string) int { return pgMajor(b) - pgMajor(a) })
	dirs = append(dirs, versions...)
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("postgres: nothing answers at DATABASE_URL and initdb/postgres are not installed (apt-get install postgresql, or point DATABASE_URL at a server)")
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode().Perm()&0o111 != 0
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres: running as root, initdb needs the unprivileged user \"postgres\": %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// checkReachable fails when some parent directory of dir cannot be searched by the user,
// which would make initdb fail with a confusing permission error.
func checkReachable(dir string, cred *syscall.Credential) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("postgres: stat %s: %w", p, err)
		}
		perm := fi.Mode().Perm()
		st, ok := fi.Sys().(*syscall.Stat_t)
		var searchable bool
		switch {
		case !ok:
			searchable = true // cannot tell; let initdb report it
		case st.Uid == cred.Uid:
			searchable = perm&0o100 != 0
		case st.Gid == cred.Gid:
			searchable = perm&0o010 != 0
		default:
			searchable = perm&0o001 != 0
		}
		if !searchable {
			return fmt.Errorf("postgres: the throwaway cluster runs as user postgres, which cannot enter %s (mode %v); use a NOVATREK_DATA_DIR it can reach or run as a non-root user", p, perm)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func chownTree(root string, cred *syscall.Credential) error {
	err := filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(cred.Uid), int(cred.Gid))
	})
	if err != nil {
		return fmt.Errorf("postgres: hand %s to user postgres: %w", root, err)
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
