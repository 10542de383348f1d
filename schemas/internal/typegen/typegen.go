// Package typegen generates the Go types of the latest version of every schema in a
// schemas directory: the structs come from avrogen (`go tool avrogen`, pinned in go.mod),
// and a second file gives every event and command type EventMeta and SetEventMeta methods and a
// constructor table, so code that holds "some event" can read its metadata and schema.
//
// It reads the .avsc files itself rather than importing package schemas, because it must
// work when the package's committed generated code is stale or missing.
package typegen

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

// Config says where the schemas are and how to name the output.
type Config struct {
	// Dir is the schemas directory (<name>/v<N>.avsc); avrogen runs in it, so it must be
	// inside the module that pins avrogen as a tool.
	Dir string
	// Package is the Go package name of the output; default "schemas".
	Package string
	// Generator names the generator in the output's header; default "typegen".
	Generator string
}

// Output is the generated source, gofmt-ed.
type Output struct {
	// Types holds avrogen's structs, encoders and full schemas.
	Types []byte
	// Meta holds the EventMeta and SetEventMeta methods and the constructor table.
	Meta []byte
}

// schemaFile is the latest version of one schema directory.
type schemaFile struct {
	dir      string // schema name
	path     string // relative to Config.Dir
	fullName string // of the top-level record
	isEvent  bool   // first field is metadata of type com.novatrek.EventMetadata
}

// Generate produces the Go source for the latest versions of the schemas in cfg.Dir.
func Generate(ctx context.Context, cfg Config) (Output, error) {
	if cfg.Package == "" {
		cfg.Package = "schemas"
	}
	if cfg.Generator == "" {
		cfg.Generator = "typegen"
	}
	latest, err := latestFiles(cfg.Dir)
	if err != nil {
		return Output{}, err
	}
	ordered, err := dependencyOrder(cfg.Dir, latest)
	if err != nil {
		return Output{}, err
	}
	types, err := runAvrogen(ctx, cfg, ordered)
	if err != nil {
		return Output{}, err
	}
	meta, err := metaSource(cfg, ordered, types)
	if err != nil {
		return Output{}, err
	}
	return Output{Types: types, Meta: meta}, nil
}

var versionFile = regexp.MustCompile(`^v([1-9][0-9]*)\.avsc$`)

// latestFiles finds the highest v<N>.avsc of every schema directory, sorted by name.
func latestFiles(dir string) ([]schemaFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("typegen: reading %s: %w", dir, err)
	}
	var out []schemaFile
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("typegen: reading %s: %w", e.Name(), err)
		}
		best := 0
		for _, f := range files {
			if m := versionFile.FindStringSubmatch(f.Name()); m != nil {
				n, _ := strconv.Atoi(m[1])
				best = max(best, n)
			}
		}
		if best > 0 {
			out = append(out, schemaFile{dir: e.Name(), path: filepath.Join(e.Name(), fmt.Sprintf("v%d.avsc", best))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out, nil
}

// dependencyOrder orders the files so that every named type is parsed before a file that
// references it (avrogen parses its arguments in order into one cache), keeping name order
// otherwise, and fills in each file's record name and whether it is an event.
func dependencyOrder(dir string, pending []schemaFile) ([]schemaFile, error) {
	cache := &avro.SchemaCache{}
	var done []schemaFile
	for len(pending) > 0 {
		var next []schemaFile
		var lastErr error
		for _, f := range pending {
			data, err := os.ReadFile(filepath.Join(dir, f.path))
			if err != nil {
				return nil, fmt.Errorf("typegen: %w", err)
			}
			trial := &avro.SchemaCache{}
			trial.AddAll(cache)
			s, err := avro.ParseBytesWithCache(data, "", trial)
			if err != nil {
				if !strings.Contains(err.Error(), "unknown type") {
					return nil, fmt.Errorf("typegen: parsing %s: %w", f.path, err)
				}
				next, lastErr = append(next, f), fmt.Errorf("typegen: parsing %s: %w", f.path, err)
				continue
			}
			cache.AddAll(trial)
			rec, ok := s.(*avro.RecordSchema)
			if !ok {
				return nil, fmt.Errorf("typegen: %s: top-level type is not a record", f.path)
			}
			f.fullName, f.isEvent = rec.FullName(), isEvent(rec)
			done = append(done, f)
		}
		if len(next) == len(pending) {
			return nil, lastErr // no progress: a reference nobody defines
		}
		pending = next
	}
	return done, nil
}

func isEvent(rec *avro.RecordSchema) bool {
	fs := rec.Fields()
	if len(fs) == 0 || fs[0].Name() != "metadata" {
		return false
	}
	named, ok := fs[0].Type().(avro.NamedSchema)
	return ok && named.FullName() == "com.novatrek.EventMetadata"
}

// runAvrogen runs the pinned avrogen with the flags the project uses.
func runAvrogen(ctx context.Context, cfg Config, files []schemaFile) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "typegen-")
	if err != nil {
		return nil, fmt.Errorf("typegen: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "types.go")
	args := []string{"tool", "avrogen", "-pkg", cfg.Package, "-o", out, "-tags", "json:snake", "-encoders", "-fullschema"}
	for _, f := range files {
		args = append(args, f.path)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = cfg.Dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("typegen: go tool avrogen: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("typegen: reading avrogen output: %w", err)
	}
	// avrogen puts its "Code generated" line right above the package clause, where Go reads
	// it as package documentation; a blank line keeps the package doc in catalog.go.
	b = bytes.Replace(b, []byte("DO NOT EDIT.\npackage "), []byte("DO NOT EDIT.\n\npackage "), 1)
	return b, nil
}

// schemaVar matches avrogen's `var schemaT = avro.MustParse(`{"name":"full.Name"...`.
var schemaVar = regexp.MustCompile("var schema(\\w+) = avro\\.MustParse\\(`\\{\"name\":\"([^\"]+)\"")

// metaSource writes the EventMeta and SetEventMeta methods and the constructor table.
func metaSource(cfg Config, files []schemaFile, types []byte) ([]byte, error) {
	typeOf := map[string]string{} // full name -> Go type
	for _, m := range schemaVar.FindAllSubmatch(types, -1) {
		typeOf[string(m[2])] = string(m[1])
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by %s. DO NOT EDIT.\n\npackage %s\n\n", cfg.Generator, cfg.Package)
	var names []string
	for _, f := range files {
		if !f.isEvent {
			continue
		}
		t, ok := typeOf[f.fullName]
		if !ok {
			return nil, fmt.Errorf("typegen: avrogen output has no type for %s (%s)", f.fullName, f.path)
		}
		fmt.Fprintf(&b, "// EventMeta returns the metadata every event carries, so code holding any Event can\n// read its id, type and lineage.\nfunc (e *%s) EventMeta() EventMetadata { return e.Metadata }\n\n", t)
		fmt.Fprintf(&b, "// SetEventMeta replaces the metadata, so the one place that stamps events (internal/platform/event,\n// outbox.Emitter, publish) can fill it on any Event without reflection.\nfunc (e *%s) SetEventMeta(m EventMetadata) { e.Metadata = m }\n\n", t)
		names = append(names, f.dir)
	}
	slices.Sort(names)
	b.WriteString("// eventTypes maps each event or command schema name to a constructor of the Go type of its\n// latest version.\nvar eventTypes = map[string]func() Event{\n")
	for _, n := range names {
		for _, f := range files {
			if f.dir == n {
				fmt.Fprintf(&b, "\t%q: func() Event { return new(%s) },\n", n, typeOf[f.fullName])
			}
		}
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("typegen: formatting the metadata source: %w", err)
	}
	return src, nil
}
