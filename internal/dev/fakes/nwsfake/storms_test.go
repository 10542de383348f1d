package nwsfake

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// activeAt lists the active alerts at the point (lat, lon) as the API answers them.
func activeAt(t *testing.T, url string, lat, lon float64) []map[string]any {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(get(t, fmt.Sprintf("%s/alerts/active?point=%.4f,%.4f", url, lat, lon)).Body).Decode(&fc); err != nil {
		t.Fatal(err)
	}
	out := []map[string]any{}
	for _, f := range fc.Features {
		out = append(out, f.Properties)
	}
	return out
}

// TestStormsFollowTheCycle: in dev mode, one storm per cycle over one known area: a watch
// (Alert), its upgrade to a warning (Update referencing the watch), the cancel (referencing
// both), then quiet; every poll within a phase sees the same message; a point far from the
// storm sees none; and without the dev mode there are no alerts.
func TestStormsFollowTheCycle(t *testing.T) {
	t.Parallel()
	f := New()
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	areas := []Area{{37.7456, -119.5936}, {63.8572, -148.9661}}
	start := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC) // a cycle start (30 min divides the epoch offset)
	now := start
	f.SetClock(func() time.Time { return now })
	if got := activeAt(t, srv.URL, areas[0].Lat, areas[0].Lon); len(got) != 0 {
		t.Fatalf("no dev mode, yet alerts: %v", got)
	}
	f.SetStorms(&Storms{Areas: areas, Every: 30 * time.Minute})

	// The cycle's area: the one where the watch is listed.
	var hit, miss Area
	for _, a := range areas {
		if len(activeAt(t, srv.URL, a.Lat, a.Lon)) == 1 {
			hit = a
		} else {
			miss = a
		}
	}
	if hit == (Area{}) || miss == (Area{}) {
		t.Fatalf("the storm hit none or both of two areas 2,000 km apart")
	}
	var ids []string
	for _, step := range []struct {
		at           time.Duration
		messageType  string
		event        string
		referencesTo int
	}{
		{1 * time.Minute, "Alert", "Watch", 0},
		{9 * time.Minute, "Alert", "Watch", 0},
		{10 * time.Minute, "Update", "Warning", 1},
		{19 * time.Minute, "Update", "Warning", 1},
		{20 * time.Minute, "Cancel", "Warning", 2},
		{24 * time.Minute, "Cancel", "Warning", 2},
		{25 * time.Minute, "", "", 0},
	} {
		now = start.Add(step.at)
		got := activeAt(t, srv.URL, hit.Lat, hit.Lon)
		if step.messageType == "" {
			if len(got) != 0 {
				t.Errorf("at +%v, in the quiet sixth: %v", step.at, got)
			}
			continue
		}
		if len(got) != 1 {
			t.Fatalf("at +%v: %d alerts, want 1", step.at, len(got))
		}
		a := got[0]
		refs, _ := a["references"].([]any)
		if a["messageType"] != step.messageType || len(refs) != step.referencesTo || a["sender"] != stormSender {
			t.Errorf("at +%v: %v with %d references; want %s with %d", step.at, a["messageType"], len(refs), step.messageType, step.referencesTo)
		}
		if ev, _ := a["event"].(string); len(ev) < len(step.event) || ev[len(ev)-len(step.event):] != step.event {
			t.Errorf("at +%v: event %q, want a %s", step.at, a["event"], step.event)
		}
		for i, r := range refs {
			if id := r.(map[string]any)["identifier"]; i >= len(ids) || id != ids[i] {
				t.Errorf("at +%v: reference %d is %v; want the earlier messages %v", step.at, i, id, ids)
			}
		}
		if id := a["id"].(string); len(ids) == 0 || ids[len(ids)-1] != id {
			ids = append(ids, id)
		}
		if far := activeAt(t, srv.URL, miss.Lat, miss.Lon); len(far) != 0 {
			t.Errorf("at +%v: the other area sees %v", step.at, far)
		}
	}
	if len(ids) != 3 {
		t.Errorf("messages %v; want watch, warning and cancel", ids)
	}
	now = start.Add(30 * time.Minute)
	nextAreaAlerts := len(activeAt(t, srv.URL, hit.Lat, hit.Lon)) + len(activeAt(t, srv.URL, miss.Lat, miss.Lon))
	if nextAreaAlerts != 1 {
		t.Errorf("the next cycle starts %d watches over the two areas; want 1", nextAreaAlerts)
	}
	f.SetStorms(nil)
	if got := activeAt(t, srv.URL, hit.Lat, hit.Lon); len(got) != 0 {
		t.Errorf("dev mode off, yet alerts: %v", got)
	}
}
