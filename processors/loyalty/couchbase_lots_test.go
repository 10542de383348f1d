package loyalty

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestCouchbaseLotsDrawExpiryFirstAndComeBack: the lots inside a Couchbase member document
// are drawn as the PostgreSQL lots are (the named lot first, then the lots that expire
// first; emptied lots dropped; ErrInsufficient unless overdrawing), and restoring a draw
// reopens an emptied lot with its own expiry.
func TestCouchbaseLotsDrawExpiryFirstAndComeBack(t *testing.T) {
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	lots := []cbLot{{a, "2027-03-01", 100}, {b, "2027-01-01", 100}, {c, "2027-02-01", 100}}

	left, draws, err := drawLots(lots, 150, Draw{})
	if err != nil {
		t.Fatal(err)
	}
	wantLeft := []cbLot{{c, "2027-02-01", 50}, {a, "2027-03-01", 100}}
	wantDraws := []cbDraw{{b, "2027-01-01", 100}, {c, "2027-02-01", 50}}
	if !slices.Equal(left, wantLeft) || !slices.Equal(draws, wantDraws) {
		t.Errorf("150 from three lots of 100: left %v, drew %v; want %v, %v", left, draws, wantLeft, wantDraws)
	}
	if lots[0].Remaining != 100 {
		t.Error("drawLots changed the caller's lots")
	}

	if _, _, err := drawLots(left, 151, Draw{}); !errors.Is(err, ErrInsufficient) {
		t.Errorf("151 from 150: %v, want ErrInsufficient", err)
	}
	over, draws, err := drawLots(left, 200, Draw{First: &a, Overdraw: true})
	if err != nil || len(over) != 0 || len(draws) != 2 || draws[0].LotID != a || draws[0].Points != 100 || draws[1].Points != 50 {
		t.Errorf("an overdraw of 200 taking lot a first: left %v, drew %v, %v", over, draws, err)
	}

	back := restoreLots(wantLeft, wantDraws, 120)
	wantBack := []cbLot{{c, "2027-02-01", 70}, {a, "2027-03-01", 100}, {b, "2027-01-01", 100}}
	if !slices.Equal(back, wantBack) {
		t.Errorf("120 of the 150 back: %v, want %v (lot b reopened whole with its expiry, 20 into c)", back, wantBack)
	}
}

// TestCouchbaseIndexFileIsStatements: the embedded N1QL file splits into CREATE INDEX
// statements on the scope's collections, each a no-op the second time.
func TestCouchbaseIndexFileIsStatements(t *testing.T) {
	text, err := couchbaseFiles.ReadFile("migrations/couchbase/0001_indexes.n1ql")
	if err != nil {
		t.Fatal(err)
	}
	stmts := n1qlStatements(string(text))
	if len(stmts) < 10 {
		t.Fatalf("%d statements: %q", len(stmts), stmts)
	}
	collections := []string{cbMembers, cbEntries, cbTiers, cbEarningRules, cbRewards}
	for _, s := range stmts {
		onKnown := slices.ContainsFunc(collections, func(c string) bool { return strings.Contains(s, "ON "+c+"(") })
		if !strings.Contains(s, "CREATE INDEX ") || !strings.Contains(s, " IF NOT EXISTS ON ") || !onKnown {
			t.Errorf("not an idempotent index on a collection of scope loyalty: %q", s)
		}
	}
}

// TestCouchbaseDocumentsHaveTheFieldsTheN1QLReads: the member and entry documents, as
// written, carry at their top level every field the statements and indexes name.
func TestCouchbaseDocumentsHaveTheFieldsTheN1QLReads(t *testing.T) {
	id := uuid.New()
	res := uuid.NewString()
	expires := time.Now()
	for _, tc := range []struct {
		doc    any
		fields []string
	}{
		{cbMemberDoc{Member: Member{GuestID: "g"}, Lots: []cbLot{{id, "2027-01-01", 5}}},
			[]string{"guest_id", "qualifying_points", "lots", "seq", "balance", "tier"}},
		{newCBEntry(Entry{ID: id, GuestID: "g", Kind: KindReverse, Points: -5, ReservationID: &res, Reverses: &id, ExpiresOn: &expires}),
			[]string{"id", "guest_id", "kind", "seq", "points", "reservation_id", "reverses", "occurred_us", "expires_on"}},
		{Redemption{ID: id}, []string{"id", "status", "guest_id"}},
	} {
		raw, err := json.Marshal(tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(raw, &top); err != nil {
			t.Fatal(err)
		}
		for _, f := range tc.fields {
			if _, ok := top[f]; !ok {
				t.Errorf("%T has no top-level %q: %s", tc.doc, f, raw)
			}
		}
	}
	if raw, _ := json.Marshal(cbLot{id, "2027-01-01", 5}); !strings.Contains(string(raw), `"remaining":5`) || !strings.Contains(string(raw), `"expires_on"`) {
		t.Errorf("a lot is %s; the array index reads l.expires_on and l.remaining", raw)
	}
}
