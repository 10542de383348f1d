// Command typegen regenerates the Go types of package schemas; `go generate ./schemas`
// (or `make generate`) runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/novatrek/support/schemas/internal/typegen"
)

func main() {
	dir := flag.String("dir", ".", "schemas directory (<name>/v<N>.avsc)")
	types := flag.String("types", "types_gen.go", "output file of the avrogen types, relative to -dir")
	meta := flag.String("meta", "eventmeta_gen.go", "output file of the EventMeta methods, relative to -dir")
	flag.Parse()
	if err := run(*dir, *types, *meta); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir, types, meta string) error {
	out, err := typegen.Generate(context.Background(), typegen.Config{Dir: dir})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, types), out.Types, 0o644); err != nil {
		return fmt.Errorf("typegen: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, meta), out.Meta, 0o644); err != nil {
		return fmt.Errorf("typegen: %w", err)
	}
	return nil
}
