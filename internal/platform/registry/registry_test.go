package registry

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/compat"
)

func TestRegisterAndRead(t *testing.T) {
	t.Parallel()
	_, cl, _ := start(t, transitive)
	ctx := t.Context()
	const subj = "novatrek.booking.reservation.created-value"

	id1 := mustRegister(t, cl, subj, resV1)
	if again := mustRegister(t, cl, subj, resV1Fancy); again != id1 {
		t.Errorf("same schema, other formatting: id %d, want %d", again, id1)
	}
	id2 := mustRegister(t, cl, subj, resV2)
	if id2 == id1 {
		t.Fatalf("v2 got v1's id %d", id1)
	}
	if other := mustRegister(t, cl, "other-value", resV1); other != id1 {
		t.Errorf("same schema under another subject: id %d, want %d (Confluent reuses ids)", other, id1)
	}

	versions, err := cl.SubjectVersions(ctx, subj)
	if err != nil || !slices.Equal(versions, []int{1, 2}) {
		t.Fatalf("SubjectVersions = %v, %v; want [1 2]", versions, err)
	}
	ss, err := cl.SchemaByVersion(ctx, subj, 1)
	if err != nil || ss.ID != id1 || ss.Version != 1 || ss.Subject != subj || ss.Schema.Schema != resV1 {
		t.Errorf("SchemaByVersion(1) = %+v, %v", ss, err)
	}
	latest, err := cl.SchemaByVersion(ctx, subj, -1)
	if err != nil || latest.ID != id2 || latest.Version != 2 {
		t.Errorf("SchemaByVersion(latest) = %+v, %v", latest, err)
	}
	text, err := cl.SchemaTextByVersion(ctx, subj, 2)
	if err != nil || text != resV2 {
		t.Errorf("SchemaTextByVersion(2) = %q, %v", text, err)
	}
	byID, err := cl.SchemaByID(ctx, id2)
	if err != nil || byID.Schema != resV2 || byID.Type != sr.TypeAvro {
		t.Errorf("SchemaByID = %+v, %v", byID, err)
	}
	if text, err := cl.SchemaTextByID(ctx, id1); err != nil || text != resV1 {
		t.Errorf("SchemaTextByID = %q, %v", text, err)
	}
	subjects, err := cl.Subjects(ctx)
	if err != nil || !slices.Equal(subjects, []string{subj, "other-value"}) {
		t.Errorf("Subjects = %v, %v", subjects, err)
	}
	usages, err := cl.SchemaVersionsByID(ctx, id1)
	want := []sr.SubjectVersion{{Subject: subj, Version: 1}, {Subject: "other-value", Version: 1}}
	if err != nil || !slices.Equal(usages, want) {
		t.Errorf("SchemaVersionsByID = %v, %v; want %v", usages, err, want)
	}
	types, err := cl.SupportedTypes(ctx)
	if err != nil || !slices.Equal(types, []sr.SchemaType{sr.TypeAvro}) {
		t.Errorf("SupportedTypes = %v, %v", types, err)
	}

	found, err := cl.LookupSchema(ctx, subj, avroSchema(resV1Fancy))
	if err != nil || found.ID != id1 || found.Version != 1 || found.Subject != subj {
		t.Errorf("LookupSchema = %+v, %v", found, err)
	}
	_, err = cl.LookupSchema(ctx, subj, avroSchema(resNoDef))
	wantCode(t, err, 40403)
	_, err = cl.LookupSchema(ctx, "nope-value", avroSchema(resV1))
	wantCode(t, err, 40401)
	_, err = cl.SchemaByID(ctx, 999)
	if re := wantCode(t, err, 40403); re.SchemaError() != sr.ErrSchemaNotFound {
		t.Errorf("SchemaError() = %v", re.SchemaError())
	}
	_, err = cl.SchemaByVersion(ctx, subj, 7)
	wantCode(t, err, 40402)
	_, err = cl.SchemaByVersion(ctx, "nope-value", 1)
	wantCode(t, err, 40401)

	// CreateSchema registers, then reads back through /schemas/ids/{id}/versions.
	created, err := cl.CreateSchema(ctx, "third-value", avroSchema(resV2))
	if err != nil || created.ID != id2 || created.Version != 1 || created.Subject != "third-value" {
		t.Errorf("CreateSchema = %+v, %v", created, err)
	}
}

func TestRegisterRefusesIncompatible(t *testing.T) {
	t.Parallel()
	_, cl, _ := start(t, transitive)
	const subj = "novatrek.booking.reservation.created-value"
	mustRegister(t, cl, subj, resV1)
	mustRegister(t, cl, subj, resV2)

	// Compatible with the latest (v2 has party_size) but not with version 1: only the
	// transitive level catches it.
	_, err := cl.RegisterSchema(t.Context(), subj, avroSchema(resNoDef), -1, -1)
	re := wantCode(t, err, 409)
	if re.StatusCode != 409 || re.SchemaError() != sr.ErrIncompatibleSchema {
		t.Errorf("status %d, SchemaError %v", re.StatusCode, re.SchemaError())
	}
	for _, want := range []string{`"party_size"`, "version 1", "BACKWARD_TRANSITIVE", subj} {
		if !strings.Contains(re.Message, want) {
			t.Errorf("409 message %q does not mention %s", re.Message, want)
		}
	}
	if versions, _ := cl.SubjectVersions(t.Context(), subj); !slices.Equal(versions, []int{1, 2}) {
		t.Errorf("a refused schema must not add a version: %v", versions)
	}

	// A subject-level NONE lets it through.
	if res := cl.SetCompatibility(t.Context(), sr.SetCompatibility{Level: sr.CompatNone}, subj); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	mustRegister(t, cl, subj, resNoDef)
}

func TestConfig(t *testing.T) {
	t.Parallel()
	_, cl, _ := start(t, transitive)
	ctx := t.Context()
	const subj = "s-value"

	global := cl.Compatibility(ctx)
	if global[0].Err != nil || global[0].Level != sr.CompatBackwardTransitive {
		t.Fatalf("global = %+v", global[0])
	}
	if res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatFull}); res[0].Err != nil || res[0].Level != sr.CompatFull {
		t.Fatalf("set global = %+v", res[0])
	}
	if got := cl.Compatibility(ctx); got[0].Level != sr.CompatFull {
		t.Errorf("global after set = %v", got[0].Level)
	}

	wantCode(t, cl.Compatibility(ctx, subj)[0].Err, 40408)
	if got := cl.Compatibility(sr.WithParams(ctx, sr.DefaultToGlobal), subj); got[0].Err != nil || got[0].Level != sr.CompatFull {
		t.Errorf("subject with defaultToGlobal = %+v", got[0])
	}
	if res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatForwardTransitive}, subj); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	if got := cl.Compatibility(ctx, subj); got[0].Err != nil || got[0].Level != sr.CompatForwardTransitive {
		t.Errorf("subject level = %+v", got[0])
	}
	// The subject's level is the one enforced: FORWARD_TRANSITIVE accepts adding a field
	// without a default, which the global FULL would refuse.
	mustRegister(t, cl, subj, resV1)
	mustRegister(t, cl, subj, resNoDef)

	if res := cl.ResetCompatibility(ctx, subj); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	wantCode(t, cl.Compatibility(ctx, subj)[0].Err, 40408)
	if res := cl.ResetCompatibility(ctx); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	if got := cl.Compatibility(ctx); got[0].Level != sr.CompatBackwardTransitive {
		t.Errorf("global after reset = %v, want the configured default", got[0].Level)
	}
	if m := cl.Mode(ctx); m[0].Err != nil || m[0].Mode != sr.ModeReadWrite {
		t.Errorf("mode = %+v", m[0])
	}
}

func TestCheckCompatibility(t *testing.T) {
	t.Parallel()
	_, cl, _ := start(t, transitive)
	ctx := t.Context()
	const subj = "c-value"
	mustRegister(t, cl, subj, resV1)
	mustRegister(t, cl, subj, resV2)

	res, err := cl.CheckCompatibility(ctx, subj, -1, avroSchema(resNoDef))
	if err != nil || !res.Is {
		t.Errorf("against latest (v2): %+v, %v; want compatible", res, err)
	}
	res, err = cl.CheckCompatibility(sr.WithParams(ctx, sr.Verbose), subj, 1, avroSchema(resNoDef))
	if err != nil || res.Is || len(res.Messages) != 1 || !strings.Contains(res.Messages[0], `field "party_size" has no default`) {
		t.Errorf("against version 1: %+v, %v", res, err)
	}
	res, err = cl.CheckCompatibility(sr.WithParams(ctx, sr.Verbose), subj, -2, avroSchema(resNoDef))
	if err != nil || res.Is || len(res.Messages) != 1 || !strings.Contains(res.Messages[0], "version 1") {
		t.Errorf("against all versions: %+v, %v", res, err)
	}
	res, err = cl.CheckCompatibility(ctx, subj, -2, avroSchema(resV2))
	if err != nil || !res.Is {
		t.Errorf("registered schema against all: %+v, %v", res, err)
	}
	_, err = cl.CheckCompatibility(ctx, subj, 9, avroSchema(resV2))
	wantCode(t, err, 40402)
	_, err = cl.CheckCompatibility(ctx, "nope-value", -1, avroSchema(resV2))
	wantCode(t, err, 40401)
	_, err = cl.CheckCompatibility(ctx, subj, -1, avroSchema(`{"type":"record"`))
	wantCode(t, err, 42201)
}

func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{Dir: dir, DefaultCompatibility: compat.BackwardTransitive}
	_, cl, srv := start(t, cfg)
	ctx := t.Context()
	a1 := mustRegister(t, cl, "a-value", resV1)
	a2 := mustRegister(t, cl, "a-value", resV2)
	b1 := mustRegister(t, cl, "b-value", `"string"`)
	if err := cl.DeleteSchema(ctx, "b-value", 1, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	if res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatNone}, "a-value"); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	srv.Close()

	_, cl, _ = start(t, cfg)
	for _, c := range []struct {
		subject string
		version int
		id      int
	}{{"a-value", 1, a1}, {"a-value", 2, a2}} {
		ss, err := cl.SchemaByVersion(ctx, c.subject, c.version)
		if err != nil || ss.ID != c.id {
			t.Errorf("%s v%d after restart: %+v, %v; want id %d", c.subject, c.version, ss, err, c.id)
		}
	}
	if id := mustRegister(t, cl, "a-value", resV1); id != a1 {
		t.Errorf("re-registering v1 after restart: id %d, want %d", id, a1)
	}
	if subjects, _ := cl.Subjects(ctx); !slices.Equal(subjects, []string{"a-value"}) {
		t.Errorf("soft-deleted subject visible after restart: %v", subjects)
	}
	if text, err := cl.SchemaTextByID(ctx, b1); err != nil || text != `"string"` {
		t.Errorf("soft-deleted schema's id must still resolve: %q, %v", text, err)
	}
	if got := cl.Compatibility(ctx, "a-value"); got[0].Level != sr.CompatNone {
		t.Errorf("subject config after restart = %+v", got[0])
	}
	id := mustRegister(t, cl, "c-value", `"long"`)
	if id == a1 || id == a2 || id == b1 {
		t.Errorf("new schema after restart reused id %d", id)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	_, cl, _ := start(t, Config{})
	ctx := t.Context()
	const subj = "d-value"
	id1 := mustRegister(t, cl, subj, resV1)
	mustRegister(t, cl, subj, resV2)

	wantCode(t, cl.DeleteSchema(ctx, subj, 1, sr.HardDelete), 40407)
	if err := cl.DeleteSchema(ctx, subj, 1, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	wantCode(t, cl.DeleteSchema(ctx, subj, 1, sr.SoftDelete), 40406)
	if versions, _ := cl.SubjectVersions(ctx, subj); !slices.Equal(versions, []int{2}) {
		t.Errorf("versions after soft delete = %v", versions)
	}
	_, err := cl.SchemaByVersion(ctx, subj, 1)
	wantCode(t, err, 40402)
	if ss, err := cl.SchemaByVersion(sr.WithParams(ctx, sr.ShowDeleted), subj, 1); err != nil || ss.ID != id1 {
		t.Errorf("soft-deleted version with deleted=true: %+v, %v", ss, err)
	}
	if _, err := cl.SchemaByID(ctx, id1); err != nil {
		t.Errorf("a soft-deleted version's id must still resolve: %v", err)
	}
	if err := cl.DeleteSchema(ctx, subj, 1, sr.HardDelete); err != nil {
		t.Fatal(err)
	}
	_, err = cl.SchemaByID(ctx, id1)
	wantCode(t, err, 40403)

	_, err = cl.DeleteSubject(ctx, subj, sr.HardDelete)
	wantCode(t, err, 40405)
	deleted, err := cl.DeleteSubject(ctx, subj, sr.SoftDelete)
	if err != nil || !slices.Equal(deleted, []int{2}) {
		t.Fatalf("soft DeleteSubject = %v, %v", deleted, err)
	}
	_, err = cl.DeleteSubject(ctx, subj, sr.SoftDelete)
	wantCode(t, err, 40404)
	if subjects, _ := cl.Subjects(ctx); len(subjects) != 0 {
		t.Errorf("subjects after soft delete = %v", subjects)
	}
	if subjects, _ := cl.Subjects(sr.WithParams(ctx, sr.ShowDeleted)); !slices.Equal(subjects, []string{subj}) {
		t.Errorf("subjects with deleted=true = %v", subjects)
	}
	deleted, err = cl.DeleteSubject(ctx, subj, sr.HardDelete)
	if err != nil || !slices.Equal(deleted, []int{2}) {
		t.Fatalf("hard DeleteSubject = %v, %v", deleted, err)
	}
	_, err = cl.SubjectVersions(sr.WithParams(ctx, sr.ShowDeleted), subj)
	wantCode(t, err, 40401)

	// Starting over: version 1 again, and a fresh id (ids are never reused).
	id := mustRegister(t, cl, subj, resV1)
	if id == id1 {
		t.Errorf("hard-deleted id %d was reused", id)
	}
	if ss, _ := cl.SchemaByVersion(ctx, subj, -1); ss.Version != 1 {
		t.Errorf("first version after a hard delete = %d, want 1", ss.Version)
	}
}

func TestConcurrentRegistration(t *testing.T) {
	t.Parallel()
	_, cl, _ := start(t, Config{Dir: t.TempDir(), DefaultCompatibility: compat.BackwardTransitive})
	const workers = 8
	ids := make([][2]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			subj := fmt.Sprintf("w%d-value", w)
			for i, text := range []string{resV1, resV2} {
				id, err := cl.RegisterSchema(t.Context(), subj, avroSchema(text), -1, -1)
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
				}
				ids[w][i] = id
			}
			if _, err := cl.SchemaByVersion(t.Context(), subj, -1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for w := range workers {
		if ids[w] != ids[0] {
			t.Errorf("worker %d got ids %v, worker 0 got %v: one schema must have one id", w, ids[w], ids[0])
		}
	}
	if ids[0][0] == ids[0][1] {
		t.Errorf("v1 and v2 share id %d", ids[0][0])
	}
}
