package simulate

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/novatrek/support/schemas"
)

// update rewrites the golden files instead of comparing with them:
// go test ./internal/dev/simulate -run Golden -update
var update = flag.Bool("update", false, "rewrite testdata golden files")

// goldenSeed and goldenEvents fix the stream TestGeneratorGolden pins.
const (
	goldenSeed   = "golden"
	goldenEvents = 1000
)

// TestGeneratorGolden pins, byte for byte, the first events of one seed: topics, keys,
// values with their metadata (ids, times, lineage) and API calls, after the setup's calls. A refactor of how the generator
// builds metadata must leave the simulated traffic (and so every seed-based scenario and
// benchmark) exactly as it was.
func TestGeneratorGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	// The first line is the setup the calls make before any event (the departure locations).
	g, err := NewGenerator(goldenSeed, topo(t))
	if err != nil {
		t.Fatal(err)
	}
	setup, err := json.Marshal(struct {
		Setup []Call `json:"setup"`
	}{g.Setup()})
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(setup)
	buf.WriteByte('\n')
	for i, ev := range generate(t, goldenSeed, goldenEvents) {
		// The value as JSON, not Avro: encoding/json sorts map keys, Avro writes a map in
		// Go's random iteration order.
		line, err := json.Marshal(struct {
			Topic  string        `json:"topic"`
			Key    string        `json:"key"`
			Value  schemas.Event `json:"value"`
			Before []Call        `json:"before,omitempty"`
			After  []Call        `json:"after,omitempty"`
		}{ev.Topic, ev.Key, ev.Value, ev.Before, ev.After})
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	path := filepath.Join("testdata", "golden-"+goldenSeed+".jsonl")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -update)", err)
	}
	if got := buf.Bytes(); !bytes.Equal(got, want) {
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := range min(len(gl), len(wl)) {
			if !bytes.Equal(gl[i], wl[i]) {
				t.Fatalf("event %d differs from %s:\n got %s\nwant %s", i, path, gl[i], wl[i])
			}
		}
		t.Fatalf("%d lines, %s has %d", len(gl), path, len(wl))
	}
}
