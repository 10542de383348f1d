package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// DevStateFile is the file in a dev stack's data dir naming what else the stack owns.
const DevStateFile = "stack.json"

// DevState names what a dev stack owns outside its data dir, so that everything it keeps is
// found from the data dir alone: `rm -rf .novatrek` or `novatrek dev --reset` removes all of
// it, and two data dirs never share a database or a key.
type DevState struct {
	// Database is the stack's own PostgreSQL database on the server of DefaultDatabaseURL
	// (or of a throwaway cluster in the data dir). Unused when DATABASE_URL was given.
	Database string `json:"database"`
	// ValkeyPrefix starts every Valkey key the stack's services write.
	ValkeyPrefix string `json:"valkey_prefix"`
}

// NewDevState derives the names of a data dir that has none yet from its absolute path:
// "novatrek_<10 hex digits>" and that plus ":". The same path gives the same names, so a
// stack whose data dir was deleted finds, and clears, what it left behind.
func NewDevState(dataDir string) (DevState, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return DevState{}, fmt.Errorf("config: resolve data dir %s: %w", dataDir, err)
	}
	sum := sha256.Sum256([]byte(abs))
	name := "novatrek_" + hex.EncodeToString(sum[:5])
	return DevState{Database: name, ValkeyPrefix: name + ":"}, nil
}

// ReadDevState reads <dataDir>/stack.json; ok is false when there is none (a new data dir).
func ReadDevState(dataDir string) (st DevState, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, DevStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return DevState{}, false, nil
	}
	if err != nil {
		return DevState{}, false, fmt.Errorf("config: read dev stack state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil || st.Database == "" || st.ValkeyPrefix == "" {
		return DevState{}, false, fmt.Errorf("config: %s is not a dev stack state file (want database and valkey_prefix); remove it or the data dir", filepath.Join(dataDir, DevStateFile))
	}
	return st, true, nil
}

// Write saves st as <dataDir>/stack.json.
func (st DevState) Write(dataDir string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dataDir, DevStateFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("config: write dev stack state: %w", err)
	}
	return nil
}

// DatabaseURL is serverURL pointed at the stack's own database.
func (st DevState) DatabaseURL(serverURL string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("config: %s is not a PostgreSQL URL with a host", Redact(serverURL))
	}
	u.Path = "/" + st.Database
	return u.String(), nil
}

// defaultDatabaseURL is what DATABASE_URL means when unset: the database of the dev stack
// whose data dir is dataDir, when it has one, so that every command finds what `novatrek dev`
// runs on; otherwise DefaultDatabaseURL.
func defaultDatabaseURL(dataDir string) string {
	st, ok, err := ReadDevState(dataDir)
	if err != nil || !ok {
		return DefaultDatabaseURL
	}
	u, err := st.DatabaseURL(DefaultDatabaseURL)
	if err != nil {
		return DefaultDatabaseURL
	}
	return u
}
