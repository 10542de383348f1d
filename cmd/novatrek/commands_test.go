package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsListedInOnePlace: no file of the command registers itself from an init
// function; commands() and groupsCommands() are the lists, and the root shows each of
// them exactly once.
func TestCommandsListedInOnePlace(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "init" {
				t.Errorf("%s: func init registers something; list commands in commands.go instead", fset.Position(fn.Pos()))
			}
		}
	}
	seen := map[string]int{}
	for _, c := range newRootCmd().Commands() {
		seen[c.Name()]++
	}
	for _, c := range commands() {
		if seen[c.Name()] != 1 {
			t.Errorf("command %q is on the root %d times, want once", c.Name(), seen[c.Name()])
		}
	}
}
