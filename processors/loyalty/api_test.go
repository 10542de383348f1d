package loyalty

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestAccessFollowsDataOwnership: svc-guest-profiles reads loyalty points; a known caller
// without the permission gets 403 naming it, no token 401; adjustments are staff only.
func TestAccessFollowsDataOwnership(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest := uuid.NewString()
	w.register(guest)
	path := "/v1/members/" + guest
	for _, tc := range []struct {
		caller, method, path string
		body                 any
		status               int
		contains             string
	}{
		{"", "GET", path, nil, http.StatusUnauthorized, "urn:novatrek:problem:unauthenticated"},
		{"svc-analytics", "GET", path, nil, http.StatusForbidden, `"permission":"loyalty:read"`},
		{CallerGuestProfiles, "GET", path, nil, http.StatusOK, `"tier":"EXPLORER"`},
		{CallerGuestProfiles, "POST", path + "/redemptions", map[string]any{"reward_id": "guide-choice"}, http.StatusForbidden, `"permission":"loyalty:redeem"`},
		{CallerGuestApp, "POST", path + "/adjustments", map[string]any{"points": 10, "reason": "x"}, http.StatusForbidden, `"permission":"loyalty:adjust"`},
		{CallerLoyaltyOps, "POST", path + "/adjustments", map[string]any{"points": 10, "reason": "goodwill"}, http.StatusCreated, `"kind":"adjust"`},
	} {
		resp := w.Call(tc.caller, tc.method, tc.path, tc.body, "Idempotency-Key", uuid.NewString())
		if resp.Status != tc.status || !strings.Contains(string(resp.Body), tc.contains) {
			t.Errorf("%s %s as %q = %d %s; want %d with %s", tc.method, tc.path, tc.caller, resp.Status, resp.Body, tc.status, tc.contains)
		}
	}
}

// TestBadRequestsAreProblemsNamingTheField: malformed ids, bodies and paging parameters
// are 400 problems naming the field; an unknown reward is a 422 naming reward_id; a guest
// who is not a member a 404 not-a-member; a redemption without Idempotency-Key is refused.
func TestBadRequestsAreProblemsNamingTheField(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest := uuid.NewString()
	w.register(guest)
	key := func() []string { return []string{"Idempotency-Key", uuid.NewString()} }
	for _, tc := range []struct {
		caller, method, path string
		body                 any
		header               []string
		status               int
		contains             string
	}{
		{CallerGuestApp, "GET", "/v1/members/not-a-uuid", nil, nil, 400, `"field":"guest_id"`},
		{CallerGuestApp, "GET", "/v1/members/" + guest + "/transactions?limit=0", nil, nil, 400, `"field":"limit"`},
		{CallerGuestApp, "GET", "/v1/members/" + guest + "/transactions?cursor=abc", nil, nil, 400, `"field":"cursor"`},
		{CallerGuestApp, "POST", "/v1/members/" + guest + "/redemptions", map[string]any{}, key(), 400, `"field":"reward_id"`},
		{CallerGuestApp, "POST", "/v1/members/" + guest + "/redemptions", map[string]any{"reward_id": "x", "reservation_id": "nope"}, key(), 400, `"field":"reservation_id"`},
		{CallerGuestApp, "POST", "/v1/members/" + guest + "/redemptions", map[string]any{"reward_id": "x", "colour": 1}, key(), 400, `colour`},
		{CallerGuestApp, "POST", "/v1/members/" + guest + "/redemptions", map[string]any{"reward_id": "no-such-reward"}, key(), 422, `"field":"reward_id"`},
		{CallerGuestApp, "POST", "/v1/members/" + guest + "/redemptions", map[string]any{"reward_id": "guide-choice"}, nil, 400, `idempotency-key-required`},
		{CallerGuestApp, "POST", "/v1/members/" + uuid.NewString() + "/redemptions", map[string]any{"reward_id": "guide-choice"}, key(), 404, `not-a-member`},
		{CallerLoyaltyOps, "POST", "/v1/members/" + guest + "/adjustments", map[string]any{"points": 0, "reason": ""}, key(), 400, `"field":"reason"`},
		{CallerLoyaltyOps, "POST", "/v1/members/" + guest + "/adjustments", map[string]any{"points": 0, "reason": "r"}, key(), 400, `"field":"points"`},
		{CallerLoyaltyOps, "POST", "/v1/members/" + guest + "/adjustments", map[string]any{"points": -5, "reason": "r"}, key(), 409, `"balance":0`},
		{CallerLoyaltyOps, "POST", "/v1/redemptions/" + uuid.NewString() + "/cancel", nil, nil, 404, `urn:novatrek:problem:`},
	} {
		resp := w.Call(tc.caller, tc.method, tc.path, tc.body, tc.header...)
		ct := resp.Header.Get("Content-Type")
		if resp.Status != tc.status || !strings.Contains(string(resp.Body), tc.contains) || !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s %s %v = %d %s %s; want %d problem with %s", tc.method, tc.path, tc.body, resp.Status, ct, resp.Body, tc.status, tc.contains)
		}
	}
}

// TestTransactionsKeysetPaging: pages of the ledger newest first, each entry once, the
// last page's next_cursor null.
func TestTransactionsKeysetPaging(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest := uuid.NewString()
	w.register(guest)
	for i := 1; i <= 5; i++ {
		must(t, w.adjust(guest, int64(i)), http.StatusCreated)
	}
	var got []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		path := "/v1/members/" + guest + "/transactions?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		resp := w.Call(CallerGuestApp, "GET", path, nil)
		must(t, resp, http.StatusOK)
		var page transactionsView
		resp.JSON(t, &page)
		for _, e := range page.Transactions {
			got = append(got, e.Points)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if fmt.Sprint(got) != "[5 4 3 2 1]" {
		t.Errorf("pages gave %v, want [5 4 3 2 1]", got)
	}
}

// TestCatalogListsRewardsAndTiers: the active rewards with their flexible documents and
// the tier ladder.
func TestCatalogListsRewardsAndTiers(t *testing.T) {
	t.Parallel()
	w := start(t)
	resp := w.Call(CallerGuestProfiles, "GET", "/v1/catalog", nil)
	must(t, resp, http.StatusOK)
	var c struct {
		Rewards []Reward `json:"rewards"`
		Tiers   []Tier   `json:"tiers"`
	}
	resp.JSON(t, &c)
	if len(c.Rewards) != 3 || len(c.Tiers) != 4 || c.Tiers[0].Code != "EXPLORER" || c.Tiers[3].Threshold != 15000 {
		t.Errorf("catalog = %+v", c)
	}
	var doc map[string]any
	if err := json.Unmarshal(c.Rewards[0].Details, &doc); err != nil || doc["kind"] == nil {
		t.Errorf("reward document %s (%v)", c.Rewards[0].Details, err)
	}
}
