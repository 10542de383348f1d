package analytics

import (
	"fmt"
	"math"

	"github.com/novatrek/support/schemas"
)

// Operations facts: guide assignments and the scheduler's logged metrics (guide
// performance), location capacity and stock (utilization).

// scheduleFacts counts each published assignment and its hours per guide. A revision
// republishes a day's assignments; each revision's are recorded under its own reference
// (schedule:revision), so dashboards that want the final plan filter on the latest.
func scheduleFacts(e *schemas.SchedulePublished) ([]fact, error) {
	out := make([]fact, 0, 2*len(e.Assignments))
	ref := fmt.Sprintf("%s:%d", e.ScheduleID, e.Revision)
	for _, a := range e.Assignments {
		if !a.EndsAt.After(a.StartsAt) {
			return nil, fmt.Errorf("schedule %s: assignment of guide %s ends %s, not after it starts %s", e.ScheduleID, a.GuideID, a.EndsAt, a.StartsAt)
		}
		dims := func(f fact) fact {
			f.guide, f.trip, f.location, f.reference, f.category = a.GuideID, a.TripID, a.LocationID, ref, a.Role
			return f
		}
		hours := a.EndsAt.Sub(a.StartsAt).Hours()
		out = append(out, dims(count(guidePerformance, a.StartsAt, "assignments")),
			dims(measure(guidePerformance, a.StartsAt, "assigned_hours", math.Round(hours*100)/100)))
	}
	return out, nil
}

// metricLoggedFacts records the scheduler's "Log optimization metrics" as
// scheduling.<name>, sliced by the dimensions it names among guide, trip and location.
func metricLoggedFacts(e *schemas.AnalyticsMetricLogged) ([]fact, error) {
	if e.MetricName == "" {
		return nil, fmt.Errorf("metric-logged run %s: metric_name is empty", e.RunID)
	}
	if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
		return nil, fmt.Errorf("metric-logged %s: value %v is not a finite number", e.MetricName, e.Value)
	}
	f := measure(guidePerformance, e.MeasuredAt, "scheduling."+e.MetricName, e.Value)
	f.guide, f.trip, f.location, f.reference, f.category = e.Dimensions["guide_id"], e.Dimensions["trip_id"], e.Dimensions["location_id"], e.RunID, deref(e.Unit)
	return []fact{f}, nil
}

// capacityFacts samples occupancy and capacity at the crossing, per location: utilization
// is occupancy over capacity.
func capacityFacts(e *schemas.LocationCapacityThresholdCrossed) ([]fact, error) {
	if e.Capacity <= 0 {
		return nil, fmt.Errorf("capacity crossing at %s: capacity %d is not positive", e.LocationID, e.Capacity)
	}
	dims := func(f fact) fact {
		f.location, f.category = e.LocationID, e.Direction+":"+e.Level
		return f
	}
	return []fact{
		dims(quantity(utilizationMetrics, e.MeasuredAt, "occupancy", e.CurrentOccupancy)),
		dims(quantity(utilizationMetrics, e.MeasuredAt, "capacity", e.Capacity)),
	}, nil
}

func purchaseOrderFacts(e *schemas.PurchaseOrderStatusChanged) ([]fact, error) {
	f, err := amount(utilizationMetrics, e.Metadata.OccurredAt, "purchase_orders", e.Total, 1)
	if err != nil {
		return nil, err
	}
	f.reference, f.category = e.PurchaseOrderID, e.Status
	return []fact{f}, nil
}

func reorderAlertFacts(e *schemas.ReorderAlertRaised) ([]fact, error) {
	f := quantity(utilizationMetrics, e.Metadata.OccurredAt, "reorder_alerts", e.SuggestedQuantity)
	f.location, f.reference, f.category = e.WarehouseID, e.AlertID, e.Sku
	return []fact{f}, nil
}

// guestPositionFacts counts the GPS fixes guests' devices report, at the time each was
// taken, per reservation: how much trips are tracked (the positions themselves are
// svc-location-services' data, not analytics').
func guestPositionFacts(e *schemas.GuestPositionReported) ([]fact, error) {
	f := count(utilizationMetrics, e.RecordedAt, "guest_position_fixes")
	f.reservation, f.reference = deref(e.ReservationID), e.GuestID
	return []fact{f}, nil
}
