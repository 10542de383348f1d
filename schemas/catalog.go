// Package schemas holds the Avro schemas of every event and command value on NovaTrek
// topics, every version of each, and the Go types generated from the latest versions.
//
// Layout: schemas/<schema-name>/v<N>.avsc, N counting from 1 without gaps; a version, once
// released, is never edited — a change is a new file. topics.yaml names the schema of each
// topic by its directory name.
//
// Three directories hold shared named types that the others reference by full name:
// event_metadata (com.novatrek.EventMetadata, the first field of every event and command),
// money (com.novatrek.Money) and geo_point (com.novatrek.GeoPoint). They are frozen at v1:
// changing one would silently change every released version that references it, so a change
// means a new record name instead.
//
// [Load] parses every version and expands the shared types inline, giving each version a
// self-contained schema text ([Version.Text]) fit to register in a schema registry.
//
//go:generate go run ./internal/typegen/cmd/typegen -dir . -types types_gen.go -meta eventmeta_gen.go
package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

//go:embed */*.avsc
var files embed.FS

// FS returns the embedded schema files: <schema-name>/v<N>.avsc.
func FS() fs.FS { return files }

// Shared lists, in parse order, the schema directories holding named types that other
// schemas reference; each has exactly one version.
var Shared = []string{"event_metadata", "money", "geo_point"}

// MetadataField is the name of the first field of every event and command record, of type
// MetadataType.
const (
	MetadataField = "metadata"
	MetadataType  = "com.novatrek.EventMetadata"
)

// Version is one released version of a schema.
type Version struct {
	// Name is the schema directory name, e.g. "reservation_created".
	Name string
	// Number counts from 1.
	Number int
	// Schema is the parsed schema.
	Schema avro.Schema
	// Text is the full, self-contained JSON of the schema: shared types inlined, docs,
	// defaults, enum defaults and logical types kept. It is what gets registered.
	Text string
}

// Catalog is every version of every schema.
type Catalog struct {
	versions map[string][]Version
}

// Names returns the schema names, sorted.
func (c *Catalog) Names() []string {
	return slices.Sorted(maps.Keys(c.versions))
}

// Versions returns the versions of a schema, oldest first; nil for an unknown name.
func (c *Catalog) Versions(name string) []Version {
	return slices.Clone(c.versions[name])
}

// Latest returns the newest version of a schema.
func (c *Catalog) Latest(name string) (Version, bool) {
	vs := c.versions[name]
	if len(vs) == 0 {
		return Version{}, false
	}
	return vs[len(vs)-1], true
}

// IsShared reports whether name holds a shared named type rather than an event or command.
func IsShared(name string) bool { return slices.Contains(Shared, name) }

// Load parses every version of every embedded schema.
func Load() (*Catalog, error) {
	return LoadFS(files)
}

// LoadFS parses every version of every schema in fsys (laid out as <name>/v<N>.avsc). It
// checks that versions are numbered 1..N, that shared types have one version, that every
// event and command record starts with the metadata field, and that a named type has one
// definition across the latest versions.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	layout, err := readLayout(fsys)
	if err != nil {
		return nil, err
	}
	base := &avro.SchemaCache{}
	c := &Catalog{versions: map[string][]Version{}}
	for _, name := range Shared {
		n := layout[name]
		if n == 0 {
			return nil, fmt.Errorf("schemas: shared type directory %q is missing", name)
		}
		if n != 1 {
			return nil, fmt.Errorf("schemas: shared type %q has %d versions; shared types are frozen at v1 (use a new record name instead)", name, n)
		}
		v, err := parseVersion(fsys, name, 1, base)
		if err != nil {
			return nil, err
		}
		c.versions[name] = []Version{v}
	}
	for name, n := range layout {
		if IsShared(name) {
			continue
		}
		for i := 1; i <= n; i++ {
			cache := &avro.SchemaCache{}
			cache.AddAll(base)
			v, err := parseVersion(fsys, name, i, cache)
			if err != nil {
				return nil, err
			}
			if err := checkMetadataFirst(v); err != nil {
				return nil, err
			}
			c.versions[name] = append(c.versions[name], v)
		}
	}
	if err := c.checkNamedTypes(); err != nil {
		return nil, err
	}
	return c, nil
}

// readLayout maps each schema directory to its number of versions.
func readLayout(fsys fs.FS) (map[string]int, error) {
	paths, err := fs.Glob(fsys, "*/*.avsc")
	if err != nil {
		return nil, fmt.Errorf("schemas: listing schema files: %w", err)
	}
	nums := map[string][]int{}
	for _, p := range paths {
		dir, file := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		n, ok := versionNumber(file)
		if !ok {
			return nil, fmt.Errorf("schemas: %s: file name must be v<N>.avsc with N >= 1", p)
		}
		nums[dir] = append(nums[dir], n)
	}
	layout := map[string]int{}
	for dir, ns := range nums {
		slices.Sort(ns)
		for i, n := range ns {
			if n != i+1 {
				return nil, fmt.Errorf("schemas: %s: versions must be numbered 1..N without gaps; found v%d where v%d was expected", dir, n, i+1)
			}
		}
		layout[dir] = len(ns)
	}
	return layout, nil
}

func versionNumber(file string) (int, bool) {
	s, ok := strings.CutPrefix(file, "v")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".avsc")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// parseVersion parses one file against cache (which holds the shared types and receives the
// file's named types) and builds its self-contained text.
func parseVersion(fsys fs.FS, name string, n int, cache *avro.SchemaCache) (Version, error) {
	p := fmt.Sprintf("%s/v%d.avsc", name, n)
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Version{}, fmt.Errorf("schemas: reading %s: %w", p, err)
	}
	s, err := avro.ParseBytesWithCache(data, "", cache)
	if err != nil {
		return Version{}, fmt.Errorf("schemas: parsing %s: %w", p, err)
	}
	text, err := selfContained(s)
	if err != nil {
		return Version{}, fmt.Errorf("schemas: expanding %s: %w", p, err)
	}
	return Version{Name: name, Number: n, Schema: s, Text: text}, nil
}

// selfContained renders s as full JSON with every referenced named type defined inline at
// its first use, and proves the text stands alone by parsing it with an empty cache and
// comparing fingerprints.
func selfContained(s avro.Schema) (string, error) {
	b, err := s.(interface{ MarshalJSON() ([]byte, error) }).MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("rendering JSON: %w", err)
	}
	again, err := avro.ParseBytesWithCache(b, "", &avro.SchemaCache{})
	if err != nil {
		return "", fmt.Errorf("the rendered text does not stand alone: %w", err)
	}
	if again.Fingerprint() != s.Fingerprint() {
		return "", errors.New("the rendered text parses to a different schema")
	}
	// Defaults, docs and enum defaults are outside the canonical form the fingerprint
	// covers: check that rendering the reparsed schema gives the same text.
	b2, err := again.(interface{ MarshalJSON() ([]byte, error) }).MarshalJSON()
	if err != nil || !bytes.Equal(b, b2) {
		return "", errors.New("the rendered text loses details (defaults, docs or properties) when reparsed")
	}
	return string(b), nil
}

func checkMetadataFirst(v Version) error {
	rec, ok := v.Schema.(*avro.RecordSchema)
	if !ok {
		return fmt.Errorf("schemas: %s/v%d.avsc: top-level type is %s; want a record", v.Name, v.Number, v.Schema.Type())
	}
	fields := rec.Fields()
	if len(fields) == 0 || fields[0].Name() != MetadataField || namedFullName(fields[0].Type()) != MetadataType {
		return fmt.Errorf("schemas: %s/v%d.avsc: the first field must be %q of type %s", v.Name, v.Number, MetadataField, MetadataType)
	}
	return nil
}

func namedFullName(s avro.Schema) string {
	switch t := s.(type) {
	case *avro.RefSchema:
		return t.Schema().FullName()
	case avro.NamedSchema:
		return t.FullName()
	}
	return ""
}
