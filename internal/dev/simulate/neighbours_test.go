package simulate

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/schemas"
)

// TestNeighboursWorkflows walks the neighbours' calls in the order Run makes them, beside
// the events, and checks that each would meet the answer it expects from a correct service:
// a review is of a trip its author completed and that was not cancelled since, with the
// author's guest token, and the ids later calls name were saved by an earlier call; votes
// come from other guests; redemptions never spend more than the guest's completed trips
// earned at 1 point per USD; an order is approved by someone other than its submitter,
// twice by two people above the threshold, and never received beyond what was ordered;
// consumption never takes a level below zero; a review rating a guide names the one the
// newest schedule.published assigned to lead the trip when the party checked in, and most
// reviews of a led party do. Every kind of call appears.
func TestNeighboursWorkflows(t *testing.T) {
	t.Parallel()
	completed := map[string]*schemas.ReservationStatusChanged{}
	cancelled := map[string]bool{}
	saved := map[string]bool{}
	earned, spent := map[string]int64{}, map[string]int64{}
	price := map[string]int64{} // reservation -> whole USD
	reward := map[string]int64{}
	for _, rw := range rewards {
		reward[rw.id] = rw.points
	}
	type redemption struct {
		guest  string
		points int64
	}
	redemptions := map[string]redemption{}
	level := map[string]int{}
	type order struct {
		submitter   string
		approvers   []string
		qty, got    int
		cents       int64
		sku, loc    string
		transitions []string
	}
	orders := map[string]*order{}
	seen := map[string]int{}
	// leads: trip -> the LEAD of the newest schedule; ledBy: reservation -> its party's lead
	// at the check-in; led and ratedGuide count the first reviews of led parties and those
	// of them rating the guide.
	leads, ledBy := map[string]string{}, map[string]string{}
	led, ratedGuide := 0, 0
	placeholder := regexp.MustCompile(`\{\$([^}]*)\}`)
	for i, ev := range generate(t, "neighbours", 40000) {
		for _, c := range ev.Before {
			if c.Route == RouteContact {
				continue
			}
			kind := c.Route
			for _, m := range placeholder.FindAllStringSubmatch(c.Path+c.IfMatch, -1) {
				if !saved[m[1]] {
					t.Fatalf("event %d: %s %s names %s before any call saved it", i, c.Method, c.Path, m[1])
				}
			}
			var b map[string]any
			if c.Body != nil {
				if err := json.Unmarshal(c.Body, &b); err != nil {
					t.Fatalf("event %d: %s body %s: %v", i, c.Route, c.Body, err)
				}
			}
			switch c.Route {
			case RouteReviewSubmit:
				res := b["reservation_id"].(string)
				st := completed[res]
				if st == nil || cancelled[res] {
					t.Fatalf("event %d: review of reservation %s, not completed (or cancelled since)", i, res)
				}
				if c.Token != apiauth.GuestToken(apiauth.DevGuestKey, st.GuestID) {
					t.Fatalf("event %d: review of %s not with its guest's token", i, res)
				}
				if c.Expect == http.StatusConflict {
					kind += " again"
					if !saved["review:"+res] {
						t.Fatalf("event %d: a duplicate review of %s before the first", i, res)
					}
				}
				if strings.Contains(b["body"].(string), "fucking") || strings.Contains(b["body"].(string), "crap") {
					kind += " profane"
				}
				if guide, ok := b["guide_id"]; ok {
					if guide != ledBy[res] || b["guide_rating"].(float64) < 1 || b["guide_rating"].(float64) > 5 {
						t.Fatalf("event %d: review of %s rates guide %v with %v stars; its party was led by %q", i, res, guide, b["guide_rating"], ledBy[res])
					}
					kind += " rating the guide"
				}
				if ledBy[res] != "" && c.Expect != http.StatusConflict {
					led++
					if b["guide_id"] != nil {
						ratedGuide++
					}
				}
			case RouteReviewModerate:
				if c.Caller != "reviews-moderation" || c.IfMatch == "" {
					t.Fatalf("event %d: moderation by %s, If-Match of %q", i, c.Caller, c.IfMatch)
				}
			case RouteReviewEdit:
				if c.Copies != 2 || c.IfMatch != c.Path {
					t.Fatalf("event %d: edit not from two devices on the review's revision: %+v", i, c)
				}
			case RouteReviewVote:
				res := strings.TrimSuffix(strings.TrimPrefix(c.Path, "/v1/reviews/{$review:"), "}/helpful-votes/mine")
				if c.Token == apiauth.GuestToken(apiauth.DevGuestKey, completed[res].GuestID) {
					t.Fatalf("event %d: the author votes on their own review %s", i, res)
				}
			case RouteRedeem:
				guest := strings.Split(c.Path, "/")[3]
				spent[guest] += reward[b["reward_id"].(string)]
				redemptions[c.Save] = redemption{guest, reward[b["reward_id"].(string)]}
				if c.IdempotencyKey == "" || spent[guest] > earned[guest] {
					t.Fatalf("event %d: guest %s redeems %d points of %d earned (key %q)", i, guest, spent[guest], earned[guest], c.IdempotencyKey)
				}
			case RouteCancelRedemption:
				r := redemptions[strings.TrimSuffix(strings.TrimPrefix(c.Path, "/v1/redemptions/{$"), "}/cancel")]
				spent[r.guest] -= r.points // the points come back for the next redemptions
			case RouteOrder:
				lines := b["lines"].([]any)
				l := lines[0].(map[string]any)
				var cents int64
				for _, it := range gearItems {
					if it.sku == l["sku"] {
						cents = it.cents
					}
				}
				orders[c.Save] = &order{submitter: b["created_by"].(string), qty: int(l["quantity"].(float64)), cents: cents,
					sku: l["sku"].(string), loc: b["location_id"].(string)}
			case RouteTransition:
				o := orders[strings.TrimSuffix(strings.TrimPrefix(c.Path, "/v1/purchase-orders/{$"), "}/transitions")]
				action, actor := b["action"].(string), b["actor"].(string)
				o.transitions = append(o.transitions, action)
				kind += " " + action
				switch action {
				case "approve":
					if actor == o.submitter || slices.Contains(o.approvers, actor) {
						t.Fatalf("event %d: %s approves an order submitted by %s, approved by %v", i, actor, o.submitter, o.approvers)
					}
					o.approvers = append(o.approvers, actor)
				case "receive":
					n := int(b["lines"].([]any)[0].(map[string]any)["quantity"].(float64))
					o.got += n
					level[o.sku+"@"+o.loc] += n
					if o.got > o.qty {
						t.Fatalf("event %d: received %d of %d ordered", i, o.got, o.qty)
					}
					if o.got == o.qty {
						want := []string{"submit", "approve", "send", "receive", "receive"}
						if int64(o.qty)*o.cents > secondApprovalCents {
							want = slices.Insert(want, 2, "approve")
							kind += " (second approval)"
						}
						if !slices.Equal(o.transitions, want) {
							t.Fatalf("event %d: order walked %v, want %v", i, o.transitions, want)
						}
					}
				}
			case RouteStockAdjust:
				at := b["sku"].(string) + "@" + b["location_id"].(string)
				n := int(b["quantity"].(float64))
				kind += " " + b["kind"].(string)
				if b["kind"] == "consumption" {
					n = -n
				}
				if level[at] += n; level[at] < 0 {
					t.Fatalf("event %d: %s goes to %d", i, at, level[at])
				}
			}
			if c.Save != "" {
				saved[c.Save] = true
			}
			seen[kind]++
		}
		switch v := ev.Value.(type) {
		case *schemas.SchedulePublished:
			for _, a := range v.Assignments {
				if a.Role == "LEAD" {
					leads[a.TripID] = a.GuideID
				}
			}
		case *schemas.CheckinCompleted:
			ledBy[v.ReservationID] = leads[v.TripID]
		case *schemas.ReservationCreated:
			whole, _ := v.TotalPrice.Amount.Float64()
			price[v.ReservationID] = int64(whole)
		case *schemas.ReservationStatusChanged:
			switch {
			case v.NewStatus == "COMPLETED":
				completed[v.ReservationID] = v
				earned[v.GuestID] += price[v.ReservationID]
			case v.NewStatus == "CANCELLED" && v.PreviousStatus == "COMPLETED":
				cancelled[v.ReservationID] = true
				earned[v.GuestID] -= price[v.ReservationID]
				seen["reversal"]++
			}
		}
	}
	if share := float64(ratedGuide) / float64(max(led, 1)); share < 0.5 || share > 0.9 {
		t.Errorf("%d of %d reviews of led parties rate the guide (%.2f), want about %.1f", ratedGuide, led, share, guideShare)
	}
	for _, k := range []string{RouteReviewSubmit, RouteReviewSubmit + " again", RouteReviewSubmit + " profane",
		RouteReviewSubmit + " rating the guide", RouteReviewModerate, RouteReviewEdit, RouteReviewVote, RouteRedeem, RouteCancelRedemption, RouteSupplier,
		RouteTransition + " submit", RouteTransition + " approve", RouteTransition + " send",
		RouteTransition + " receive (second approval)", RouteTransition + " receive",
		RouteStockAdjust + " correction", RouteStockAdjust + " consumption", "reversal"} {
		if seen[k] == 0 {
			t.Errorf("no %q in the traffic: %v", k, seen)
		}
	}
	t.Logf("calls: %v", seen)
}

// TestTripType: the catalog's trips map to the loyalty rules' trip types by length.
func TestTripType(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"TRP-ZION-CANYONEER-1D": "day", "TRP-MOAB-BIKE-2D": "multi_day", "TRP-YELLOWSTONE-WILDLIFE-4D": "multi_day",
		"TRP-GLACIER-BACKPACK-5D": "expedition", "TRP-NOWHERE": "",
	} {
		if got := TripType(id); got != want {
			t.Errorf("TripType(%s) = %q, want %q", id, got, want)
		}
	}
}
