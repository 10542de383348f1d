package analytics

import (
	"crypto/md5"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/schemas"
)

// The test world: a few trips, guides, locations and currencies, so rollups group.
var (
	trips      = []string{"TRP-GRANDCANYON-RAFT-7D", "TRP-YOSEMITE-HIKE-3D", "TRP-ZION-CANYON-1D"}
	guides     = []string{"GDE-ANA", "GDE-BEN", "GDE-CHO"}
	locations  = []string{"LOC-LEES-FERRY", "LOC-YOSEMITE-VALLEY", "LOC-ZION-LODGE"}
	currencies = []string{"USD", "EUR", "JPY"}
)

// id is a deterministic UUID for name.
func id(name string) string { return uuid.UUID(md5.Sum([]byte(name))).String() }

// meta is the metadata of event name of type typ at at.
func meta(name, typ string, at time.Time) schemas.EventMetadata {
	return schemas.EventMetadata{EventID: id("event/" + name), EventType: typ, OccurredAt: at.UTC().Truncate(time.Millisecond),
		Producer: "svc-test", CorrelationID: id("correlation/" + name)}
}

// cash is amount (a decimal string) of currency.
func cash(amount, currency string) schemas.Money {
	r, ok := new(big.Rat).SetString(amount)
	if !ok {
		panic("bad amount " + amount)
	}
	return schemas.Money{Amount: r, Currency: currency}
}

func ptr[T any](v T) *T { return &v }

// kinds is how many different events sample makes: one per subscribed topic.
const kinds = 28

// sample is event number n of kind k (0..kinds-1) at at: its topic, key and value. The
// same (k, n, at) always gives the same event, ids included.
func sample(k, n int, at time.Time) (topic, key string, ev schemas.Event) {
	name := fmt.Sprintf("%d/%d", k, n)
	trip, guide, loc, cur := trips[n%len(trips)], guides[n%len(guides)], locations[n%len(locations)], currencies[n%len(currencies)]
	res, guest, pay := id("res/"+name), id("guest/"+name), id("pay/"+name)
	price := fmt.Sprintf("%d.50", 100+n%900)
	if cur == "JPY" {
		price = fmt.Sprint(10000 + n%9000)
	}
	m := func(typ string) schemas.EventMetadata { return meta(name, typ, at) }
	switch k {
	case 0:
		return "novatrek.booking.reservation.created", res, &schemas.ReservationCreated{Metadata: m("reservation.created"),
			ReservationID: res, GuestID: guest, TripID: trip, DepartureID: "DEP-" + trip, DepartureDate: at.AddDate(0, 1, 0),
			PartySize: 1 + n%4, Status: "PENDING", TotalPrice: cash(price, cur), DepositDue: cash("0", cur), BookingChannel: "WEB"}
	case 1:
		return "novatrek.booking.reservation.status-changed", res, &schemas.ReservationStatusChanged{Metadata: m("reservation.status_changed"),
			ReservationID: res, GuestID: guest, TripID: trip, DepartureDate: at, PreviousStatus: "PENDING", NewStatus: []string{"CONFIRMED", "CANCELLED", "COMPLETED"}[n%3]}
	case 2:
		return "novatrek.guest-identity.guest.registered", guest, &schemas.GuestRegistered{Metadata: m("guest.registered"),
			GuestID: guest, Email: "guest@example.com", FirstName: "Ada", LastName: "Test", PreferredLanguage: "en", CountryCode: ptr("US")}
	case 3:
		return "novatrek.operations.checkin.completed", res, &schemas.CheckinCompleted{Metadata: m("checkin.completed"),
			CheckinID: id("checkin/" + name), ReservationID: res, GuestID: guest, TripID: trip, LocationID: loc, CheckedInAt: at,
			PartySize: 1 + n%4, WaiversVerified: true, Method: "KIOSK"}
	case 4:
		return "novatrek.operations.schedule.published", id("schedule/" + name), &schemas.SchedulePublished{Metadata: m("schedule.published"),
			ScheduleID: id("schedule/" + name), ScheduleDate: at, Revision: 1, PublishedBy: "scheduler",
			Assignments: []schemas.GuideAssignment{{GuideID: guide, TripID: trip, DepartureID: "DEP-" + trip, LocationID: loc,
				StartsAt: at, EndsAt: at.Add(8 * time.Hour), Role: "LEAD"}}}
	case 5:
		return "novatrek.support.payment.processed", pay, &schemas.PaymentProcessed{Metadata: m("payment.processed"),
			PaymentID: pay, ReservationID: res, GuestID: guest, Amount: cash(price, cur), PaymentType: "DEPOSIT", Method: "CARD",
			Status: "CAPTURED", Provider: "stripe", ProviderReference: "pi_" + name}
	case 6:
		return "novatrek.safety.incident.reported", id("incident/" + name), &schemas.IncidentReported{Metadata: m("incident.reported"),
			IncidentID: id("incident/" + name), Severity: "LOW", Category: "INJURY", TripID: &trip, LocationID: &loc, IncidentAt: at,
			ReportedBy: guide, Description: "twisted ankle"}
	case 7:
		return "novatrek.safety.emergency.triggered", id("emergency/" + name), &schemas.EmergencyTriggered{Metadata: m("emergency.triggered"),
			EmergencyID: id("emergency/" + name), EmergencyType: "MEDICAL", Level: "LEVEL_2", TripID: &trip, LocationID: &loc, TriggeredBy: guide}
	case 8:
		return "novatrek.safety.wildlife-alert.issued", id("wildlife/" + name), &schemas.WildlifeAlertIssued{Metadata: m("wildlife_alert.issued"),
			AlertID: id("wildlife/" + name), Species: "black bear", ThreatLevel: "MODERATE", SightingPosition: schemas.GeoPoint{Latitude: 36, Longitude: -112},
			RadiusMeters: 500, LocationID: &loc, SightedAt: at, ReportedBy: guide}
	case 9:
		return "novatrek.support.analytics.metric-logged", id("run/" + name), &schemas.AnalyticsMetricLogged{Metadata: m("analytics.metric_logged"),
			RunID: id("run/" + name), MetricName: "solve_time_ms", Value: float64(100 + n%50), Unit: ptr("ms"),
			Dimensions: map[string]string{"guide_id": guide}, MeasuredAt: at}
	case 10:
		return "novatrek.support.payment.refunded", pay, &schemas.PaymentRefunded{Metadata: m("payment.refunded"),
			RefundID: id("refund/" + name), PaymentID: pay, ReservationID: res, GuestID: guest, Amount: cash(price, cur), FullRefund: true,
			Reason: "GUEST_CANCELLATION", ProviderReference: "re_" + name}
	case 11:
		return "novatrek.support.payment-dispute.opened", id("dispute/" + name), &schemas.PaymentDisputeOpened{Metadata: m("payment_dispute.opened"),
			DisputeID: id("dispute/" + name), PaymentID: pay, Amount: cash(price, cur), Reason: "FRAUDULENT", ProviderCaseID: "dp_" + name, RespondBy: at.AddDate(0, 0, 7)}
	case 12:
		return "novatrek.support.payment-dispute.updated", id("dispute/" + name), &schemas.PaymentDisputeUpdated{Metadata: m("payment_dispute.updated"),
			DisputeID: id("dispute/" + name), PaymentID: pay, Status: "LOST", PreviousStatus: "OPEN", AmountLost: ptr(cash(price, cur))}
	case 13:
		return "novatrek.support.loyalty-points.earned", guest, &schemas.LoyaltyPointsEarned{Metadata: m("loyalty_points.earned"),
			TransactionID: id("points/" + name), GuestID: guest, Points: int64(10 + n%90), Reason: "COMPLETED_TRIP", BalanceAfter: 500}
	case 14:
		return "novatrek.support.loyalty-tier.changed", guest, &schemas.LoyaltyTierChanged{Metadata: m("loyalty_tier.changed"),
			GuestID: guest, PreviousTier: "EXPLORER", NewTier: "TRAILBLAZER", Direction: "PROMOTION", QualifyingPoints: 5000, EffectiveAt: at}
	case 15:
		return "novatrek.support.loyalty-reward.redeemed", guest, &schemas.LoyaltyRewardRedeemed{Metadata: m("loyalty_reward.redeemed"),
			RedemptionID: id("redemption/" + name), GuestID: guest, RewardID: "RWD-HAT", RewardName: "Hat", PointsSpent: 200, BalanceAfter: 300}
	case 16:
		return "novatrek.support.review.published", id("review/" + name), &schemas.ReviewPublished{Metadata: m("review.published"),
			ReviewID: id("review/" + name), ReservationID: res, GuestID: guest, TripID: trip, GuideID: &guide, Rating: 1 + n%5,
			GuideRating: ptr(1 + (n+2)%5), Body: "great", Language: "en", TripDate: at}
	case 17:
		return "novatrek.support.rating-aggregate.updated", "TRIP:" + trip, &schemas.RatingAggregateUpdated{Metadata: m("rating_aggregate.updated"),
			TargetType: "TRIP", TargetID: trip, ReviewCount: int64(n + 1), AverageRating: 4.25}
	case 18:
		return "novatrek.support.weather-alert.issued", id("weather/" + name), &schemas.WeatherAlertIssued{Metadata: m("weather_alert.issued"),
			AlertID: id("weather/" + name), LocationID: loc, AreaCenter: schemas.GeoPoint{Latitude: 36, Longitude: -112}, RadiusKm: 20,
			AlertType: "THUNDERSTORM", Severity: "WARNING", Headline: "storm", Description: "storm", StartsAt: at, EndsAt: at.Add(time.Hour), Source: "nws"}
	case 19:
		return "novatrek.support.location-capacity.threshold-crossed", loc, &schemas.LocationCapacityThresholdCrossed{Metadata: m("location_capacity.threshold_crossed"),
			LocationID: loc, LocationName: loc, Position: schemas.GeoPoint{Latitude: 36, Longitude: -112}, CurrentOccupancy: 80 + n%20, Capacity: 100,
			ThresholdPercent: 80, Direction: "RISING", Level: "WARNING", MeasuredAt: at}
	case 20:
		return "novatrek.support.purchase-order.status-changed", id("po/" + name), &schemas.PurchaseOrderStatusChanged{Metadata: m("purchase_order.status_changed"),
			PurchaseOrderID: id("po/" + name), PoNumber: "PO-" + name, SupplierID: "SUP-1", Status: "APPROVED", Total: cash(price, cur), ChangedBy: "buyer"}
	case 21:
		return "novatrek.support.reorder-alert.raised", id("reorder/" + name), &schemas.ReorderAlertRaised{Metadata: m("reorder_alert.raised"),
			AlertID: id("reorder/" + name), Sku: "SKU-ROPE", ItemName: "rope", WarehouseID: loc, OnHand: 3, ReorderPoint: 10, SuggestedQuantity: 20}
	case 22:
		return "novatrek.support.media-asset.uploaded", id("asset/" + name), &schemas.MediaAssetUploaded{Metadata: m("media_asset.uploaded"),
			AssetID: id("asset/" + name), TripID: &trip, ReservationID: &res, UploadedBy: guest, UploaderType: "GUEST", MediaType: "PHOTO",
			ContentType: "image/jpeg", SizeBytes: 1 << 20, ObjectKey: "media/" + name}
	case 23:
		return "novatrek.support.notification.delivery-status-changed", id("notification/" + name), &schemas.NotificationDeliveryStatusChanged{
			Metadata: m("notification.delivery_status_changed"), NotificationID: id("notification/" + name), Kind: "BOOKING_CONFIRMATION",
			Channel: "EMAIL", Status: "DELIVERED", RecipientType: "GUEST", RecipientID: &guest, Provider: "sendgrid", Attempt: 1}
	case 24:
		return "novatrek.support.weather-alert.updated", id("weather/" + name), &schemas.WeatherAlertUpdated{Metadata: m("weather_alert.updated"),
			AlertID: id("weather/" + name), MessageID: id("weather-update/" + name), LocationID: loc, AlertType: "THUNDERSTORM", Severity: "WATCH",
			Headline: "storm easing", Description: "storm easing", StartsAt: at, EndsAt: at.Add(time.Hour), Source: "nws"}
	case 25:
		return "novatrek.support.weather-alert.cancelled", id("weather/" + name), &schemas.WeatherAlertCancelled{Metadata: m("weather_alert.cancelled"),
			AlertID: id("weather/" + name), MessageID: id("weather-cancel/" + name), LocationID: loc, CancelledAt: at, Source: "nws"}
	case 26:
		return "novatrek.support.trip-weather-risk.changed", "DEP-" + trip, &schemas.TripWeatherRiskChanged{Metadata: m("trip_weather_risk.changed"),
			DepartureID: "DEP-" + trip, TripID: trip, LocationID: loc, ScheduleID: id("schedule/" + name), Activity: "hiking",
			StartsAt: at.Add(24 * time.Hour), EndsAt: at.Add(32 * time.Hour), Recommendation: "CAUTION", AssessedAt: at}
	case 27:
		return "novatrek.guest-identity.guest-position.reported", guest, &schemas.GuestPositionReported{Metadata: m("guest_position.reported"),
			GuestID: guest, Position: schemas.GeoPoint{Latitude: 36.1, Longitude: -112.1}, ReservationID: &res, RecordedAt: at}
	}
	panic(fmt.Sprintf("sample: no kind %d", k))
}
