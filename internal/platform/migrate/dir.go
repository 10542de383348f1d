package migrate

import (
	"fmt"
	"io/fs"
)

// Dir is the set name made of the files in dir of fsys (usually an embed.FS holding
// "migrations/*.sql"), applied after the sets named in after. It replaces the fs.Sub stanza
// every package repeated. A dir that is not a valid path is reported when the set is loaded,
// naming the set, so a package-level var never panics at init.
func Dir(name string, fsys fs.FS, dir string, after ...string) Set {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		sub = brokenFS{fmt.Errorf("directory %q: %w", dir, err)}
	}
	return Set{Name: name, FS: sub, After: after}
}

// brokenFS fails every Open with the error Dir met, so Set.Load reports it.
type brokenFS struct{ err error }

func (b brokenFS) Open(string) (fs.File, error) { return nil, b.err }
