package typegen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSchema(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name, "v1.avsc"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDependencyOrder(t *testing.T) {
	dir := t.TempDir()
	writeSchema(t, dir, "a_uses_z", `{"type":"record","name":"A","fields":[{"name":"z","type":"Z"}]}`)
	writeSchema(t, dir, "z", `{"type":"record","name":"Z","fields":[{"name":"n","type":"int"}]}`)
	files, err := latestFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	ordered, err := dependencyOrder(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(ordered) != 2 || ordered[0].dir != "z" || ordered[1].dir != "a_uses_z" {
		t.Fatalf("order %+v; want z before a_uses_z", ordered)
	}

	writeSchema(t, dir, "b_dangling", `{"type":"record","name":"B","fields":[{"name":"q","type":"Nowhere"}]}`)
	files, _ = latestFiles(dir)
	if _, err := dependencyOrder(dir, files); err == nil || !strings.Contains(err.Error(), "b_dangling") {
		t.Fatalf("dangling reference: err = %v; want one naming b_dangling", err)
	}
}
