package fakes

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// RoleFile is the value a file fake hands a service.Setting: the path of the file it wrote.
const RoleFile = "file"

// staffGroups are the staff groups a notification may name ("group:<name>": the sources
// svc-notifications' intake routes to), each given two fake members.
var staffGroups = []string{"operations-staff", "safety-officers", "park-rangers", "rescue-team", "active-guides"}

// StaffDirectory is the dev staff directory (the "staff-directory" fake): every group has
// two fake members on every channel, at addresses the fake providers accept and that reach
// nobody (example domains, the 555-01xx fiction range, fake device tokens). Its JSON is the
// format of a directory file: {"group:x": {"email": [{"member", "to", "name"}], ...}}.
func StaffDirectory() map[string]map[string][]StaffAddress {
	dir := map[string]map[string][]StaffAddress{}
	for gi, name := range staffGroups {
		byChannel := map[string][]StaffAddress{}
		for m := 1; m <= 2; m++ {
			member := fmt.Sprintf("STAFF:%s-%d", name, m)
			byChannel["email"] = append(byChannel["email"],
				StaffAddress{Member: member, To: fmt.Sprintf("%s-%d@staff.novatrek.example", name, m), Name: fmt.Sprintf("%s %d", name, m)})
			byChannel["sms"] = append(byChannel["sms"], StaffAddress{Member: member, To: fmt.Sprintf("+1555010%d%d", gi, m)})
			byChannel["push"] = append(byChannel["push"], StaffAddress{Member: member, To: fmt.Sprintf("fake-device-token-%s-%d", name, m)})
			byChannel["in_app"] = append(byChannel["in_app"], StaffAddress{Member: member, To: member})
		}
		dir["group:"+name] = byChannel
	}
	return dir
}

// StaffAddress is one member's address on a channel in a directory file.
type StaffAddress struct {
	Member string `json:"member"`
	To     string `json:"to"`
	Name   string `json:"name,omitempty"`
}

// files is the stack of the fakes that are files rather than servers: it writes them into
// Options.DataDir (or a temporary directory removed at stop) and hands their paths.
type files struct {
	paths map[string]string // fake key -> file
	tmp   string
}

func startFiles(o Options) (stack, error) {
	dir, tmp := o.DataDir, ""
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "novatrek-fakes-"); err != nil {
			return nil, err
		}
		tmp = dir
	}
	f := &files{paths: map[string]string{"staff-directory": filepath.Join(dir, "dev-staff-directory.json")}, tmp: tmp}
	raw, err := json.MarshalIndent(StaffDirectory(), "", "  ")
	if err == nil {
		err = os.WriteFile(f.paths["staff-directory"], raw, 0o600)
	}
	if err != nil {
		_ = f.stop(context.Background())
		return nil, fmt.Errorf("write the dev staff directory: %w", err)
	}
	return f, nil
}

func (f *files) values(key string) map[string]string {
	return map[string]string{RoleFile: f.paths[key]}
}

func (f *files) stop(context.Context) error {
	if f.tmp != "" {
		return os.RemoveAll(f.tmp)
	}
	return nil
}
