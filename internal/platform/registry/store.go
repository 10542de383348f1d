package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/novatrek/support/internal/platform/compat"
)

// stateFile is the one file under Config.Dir. It is small (schemas are registered rarely), so
// every change rewrites it whole: write a temp file, fsync it, rename it over the old one, fsync
// the directory. A crash leaves either the old or the new state, never a torn one.
const stateFile = "registry.json"

const snapshotFormat = 1

type snapshot struct {
	Format        int           `json:"format"`
	NextID        int           `json:"next_id"`
	Compatibility compat.Mode   `json:"compatibility,omitempty"`
	Schemas       []snapSchema  `json:"schemas"`
	Subjects      []snapSubject `json:"subjects"`
}

type snapSchema struct {
	ID     int    `json:"id"`
	Schema string `json:"schema"`
}

type snapSubject struct {
	Name          string        `json:"name"`
	Compatibility compat.Mode   `json:"compatibility,omitempty"`
	Versions      []snapVersion `json:"versions"`
}

type snapVersion struct {
	Version int  `json:"version"`
	ID      int  `json:"id"`
	Deleted bool `json:"deleted,omitempty"`
}

func (st *state) encode() ([]byte, error) {
	snap := snapshot{Format: snapshotFormat, NextID: st.nextID, Compatibility: st.global,
		Schemas: []snapSchema{}, Subjects: []snapSubject{}}
	for id, e := range st.schemas {
		snap.Schemas = append(snap.Schemas, snapSchema{ID: id, Schema: e.text})
	}
	sort.Slice(snap.Schemas, func(i, j int) bool { return snap.Schemas[i].ID < snap.Schemas[j].ID })
	for _, name := range st.subjectNames() {
		s := st.subjects[name]
		ss := snapSubject{Name: name, Compatibility: s.compat, Versions: []snapVersion{}}
		for _, v := range s.versions {
			ss.Versions = append(ss.Versions, snapVersion{Version: v.num, ID: v.id, Deleted: v.deleted})
		}
		snap.Subjects = append(snap.Subjects, ss)
	}
	return json.MarshalIndent(snap, "", "  ")
}

// decodeState rebuilds state from a snapshot. Schemas whose text matches one in reuse are
// taken from it instead of being parsed again (rollback after a failed write).
func decodeState(b []byte, reuse *state) (*state, error) {
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("decoding registry state: %w", err)
	}
	if snap.Format != snapshotFormat {
		return nil, fmt.Errorf("registry state format %d is not supported (want %d)", snap.Format, snapshotFormat)
	}
	st := newState()
	st.nextID = snap.NextID
	if snap.Compatibility != "" {
		m, err := compat.ParseMode(string(snap.Compatibility))
		if err != nil {
			return nil, fmt.Errorf("registry state: global compatibility: %w", err)
		}
		st.global = m
	}
	for _, s := range snap.Schemas {
		var e *schemaEntry
		if reuse != nil {
			if old := reuse.schemas[s.ID]; old != nil && old.text == s.Schema {
				e = old
			}
		}
		if e == nil {
			var err error
			if e, err = parseSchema(s.Schema); err != nil {
				return nil, fmt.Errorf("registry state: schema %d: %w", s.ID, err)
			}
			e.id = s.ID
		}
		if s.ID <= 0 || s.ID >= st.nextID {
			return nil, fmt.Errorf("registry state: schema id %d outside [1, %d)", s.ID, st.nextID)
		}
		st.schemas[s.ID] = e
		st.byKey[e.key] = s.ID
	}
	for _, ss := range snap.Subjects {
		info := &subjectInfo{compat: ss.Compatibility}
		for _, v := range ss.Versions {
			if st.schemas[v.ID] == nil {
				return nil, fmt.Errorf("registry state: subject %q version %d uses unknown schema id %d", ss.Name, v.Version, v.ID)
			}
			info.versions = append(info.versions, &version{num: v.Version, id: v.ID, deleted: v.Deleted})
		}
		sort.Slice(info.versions, func(i, j int) bool { return info.versions[i].num < info.versions[j].num })
		st.subjects[ss.Name] = info
	}
	return st, nil
}

// load reads the state under dir, or returns an empty state if there is none yet.
func load(dir string) (*state, error) {
	// Leftovers of a crash between creating and renaming a temp file.
	if tmps, _ := filepath.Glob(filepath.Join(dir, stateFile+".tmp-*")); len(tmps) > 0 {
		for _, t := range tmps {
			_ = os.Remove(t)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading registry state: %w", err)
	}
	st, err := decodeState(b, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

// writeAtomic replaces dir/name with data so that a crash leaves the old or the new content.
func writeAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, name+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating temp file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("setting mode of %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("renaming %s: %w", tmp, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening %s to sync it: %w", dir, err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
