package schemas

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hamba/avro/v2"
)

func TestLoadParsesEveryVersion(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, name := range Shared {
		if vs := c.Versions(name); len(vs) != 1 {
			t.Errorf("shared type %s: %d versions, want 1", name, len(vs))
		}
	}
	multi := 0
	for _, name := range c.Names() {
		vs := c.Versions(name)
		for i, v := range vs {
			if v.Number != i+1 || v.Name != name {
				t.Errorf("%s: version %d reports name %q number %d", name, i+1, v.Name, v.Number)
			}
		}
		if len(vs) > 1 {
			multi++
		}
		latest, ok := c.Latest(name)
		if !ok || latest.Number != len(vs) {
			t.Errorf("%s: Latest = v%d, %v; want v%d", name, latest.Number, ok, len(vs))
		}
	}
	if multi < 2 {
		t.Errorf("%d schemas have more than one version; want at least 2 to exercise evolution", multi)
	}
	if _, ok := c.Latest("no_such_schema"); ok {
		t.Error("Latest of an unknown name reported ok")
	}
}

// TestTextIsSelfContained proves the registrable text stands alone and keeps what the
// canonical form drops: logical types, decimal precision/scale, field defaults and enum
// defaults.
func TestTextIsSelfContained(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.Names() {
		for _, v := range c.Versions(name) {
			s, err := avro.ParseWithCache(v.Text, "", &avro.SchemaCache{})
			if err != nil {
				t.Fatalf("%s v%d: text does not parse on its own: %v", name, v.Number, err)
			}
			if s.Fingerprint() != v.Schema.Fingerprint() {
				t.Errorf("%s v%d: text parses to a different schema", name, v.Number)
			}
		}
	}

	v, _ := c.Latest("payment_refunded")
	for _, want := range []string{
		`"logicalType":"uuid"`, `"logicalType":"timestamp-millis"`,
		`"logicalType":"decimal","precision":18,"scale":4`,
		`"name":"causation_id"`, `"default":null`,
		`"name":"com.novatrek.support.RefundReason"`, `"default":"OTHER"`,
	} {
		if !strings.Contains(v.Text, want) {
			t.Errorf("payment_refunded text lacks %s:\n%s", want, v.Text)
		}
	}
	s, _ := avro.ParseWithCache(v.Text, "", &avro.SchemaCache{})
	reason := field(t, s.(*avro.RecordSchema), "reason")
	enum := reason.Type().(*avro.EnumSchema)
	if enum.Default() != "OTHER" || !reason.HasDefault() {
		t.Errorf("reason enum default %q, field has default %v; want OTHER, true", enum.Default(), reason.HasDefault())
	}
}

func TestEveryEventStartsWithMetadata(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.Names() {
		if IsShared(name) {
			continue
		}
		for _, v := range c.Versions(name) {
			first := v.Schema.(*avro.RecordSchema).Fields()[0]
			if first.Name() != MetadataField || namedFullName(first.Type()) != MetadataType {
				t.Errorf("%s v%d: first field %s", name, v.Number, first.Name())
			}
		}
	}
}

func TestLoadFSRejectsBadLayouts(t *testing.T) {
	shared := fstest.MapFS{}
	real := FS()
	for _, n := range Shared {
		b, err := fs.ReadFile(real, n+"/v1.avsc")
		if err != nil {
			t.Fatal(err)
		}
		shared[n+"/v1.avsc"] = &fstest.MapFile{Data: b}
	}
	event := func(name, extra string) []byte {
		return []byte(`{"type":"record","name":"` + name + `","namespace":"com.novatrek.test","fields":[
			{"name":"metadata","type":"com.novatrek.EventMetadata"}` + extra + `]}`)
	}
	tests := []struct {
		name    string
		files   map[string][]byte
		wantErr string
	}{
		{"gap in versions", map[string][]byte{"thing_done/v1.avsc": event("ThingDone", ""), "thing_done/v3.avsc": event("ThingDone", "")}, "without gaps"},
		{"bad file name", map[string][]byte{"thing_done/version1.avsc": event("ThingDone", "")}, "v<N>.avsc"},
		{"metadata not first", map[string][]byte{"thing_done/v1.avsc": []byte(`{"type":"record","name":"ThingDone","fields":[{"name":"id","type":"string"}]}`)}, `first field must be "metadata"`},
		{"not a record", map[string][]byte{"thing_done/v1.avsc": []byte(`"string"`)}, "want a record"},
		{"unparsable", map[string][]byte{"thing_done/v1.avsc": []byte(`{"type":"record","name":"ThingDone","fields":[{"name":"x","type":"nope"}]}`)}, "parsing thing_done/v1.avsc"},
		{"shared type with two versions", map[string][]byte{"money/v2.avsc": shared["money/v1.avsc"].Data}, "frozen at v1"},
		{"two definitions of one name", map[string][]byte{
			"a_done/v1.avsc": event("ADone", `,{"name":"s","type":{"type":"enum","name":"State","symbols":["X"]}}`),
			"b_done/v1.avsc": event("BDone", `,{"name":"s","type":{"type":"enum","name":"State","symbols":["Y"]}}`),
		}, "defines com.novatrek.test.State differently"},
		{"short name clash", map[string][]byte{
			"a_done/v1.avsc": event("ADone", `,{"name":"s","type":{"type":"enum","name":"State","namespace":"com.novatrek.a","symbols":["X"]}}`),
			"b_done/v1.avsc": event("BDone", `,{"name":"s","type":{"type":"enum","name":"State","namespace":"com.novatrek.b","symbols":["X"]}}`),
		}, "short name clashes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range shared {
				fsys[k] = v
			}
			for k, v := range tt.files {
				fsys[k] = &fstest.MapFile{Data: v}
			}
			_, err := LoadFS(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadFS error = %v; want one containing %q", err, tt.wantErr)
			}
		})
	}

	t.Run("valid", func(t *testing.T) {
		fsys := fstest.MapFS{"thing_done/v1.avsc": {Data: event("ThingDone", "")}}
		for k, v := range shared {
			fsys[k] = v
		}
		c, err := LoadFS(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Names(), append(slices.Sorted(slices.Values(Shared)), "thing_done"); !slices.Equal(got, sortedCopy(want)) {
			t.Errorf("Names = %v, want %v", got, want)
		}
	})
}

func field(t *testing.T, rec *avro.RecordSchema, name string) *avro.Field {
	t.Helper()
	for _, f := range rec.Fields() {
		if f.Name() == name {
			return f
		}
	}
	t.Fatalf("%s has no field %s", rec.FullName(), name)
	return nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
