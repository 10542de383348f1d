package analytics

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// subscriptions are the 28 topics topics.yaml lists svc-analytics as a consumer of
// ("svc-analytics subscribes to all domain events"), each with the mapping of its event to
// facts. The runner refuses to start if this list and topics.yaml differ.
var subscriptions = []service.Subscription[*app]{
	facts[schemas.ReservationCreated]("novatrek.booking.reservation.created", reservationCreatedFacts),
	facts[schemas.ReservationStatusChanged]("novatrek.booking.reservation.status-changed", reservationStatusFacts),
	facts[schemas.GuestRegistered]("novatrek.guest-identity.guest.registered", guestRegisteredFacts),
	facts[schemas.CheckinCompleted]("novatrek.operations.checkin.completed", checkinFacts),
	facts[schemas.SchedulePublished]("novatrek.operations.schedule.published", scheduleFacts),
	facts[schemas.PaymentProcessed]("novatrek.support.payment.processed", paymentProcessedFacts),
	facts[schemas.IncidentReported]("novatrek.safety.incident.reported", incidentFacts),
	facts[schemas.EmergencyTriggered]("novatrek.safety.emergency.triggered", emergencyFacts),
	facts[schemas.WildlifeAlertIssued]("novatrek.safety.wildlife-alert.issued", wildlifeFacts),
	facts[schemas.AnalyticsMetricLogged]("novatrek.support.analytics.metric-logged", metricLoggedFacts),
	facts[schemas.PaymentRefunded]("novatrek.support.payment.refunded", paymentRefundedFacts),
	facts[schemas.PaymentDisputeOpened]("novatrek.support.payment-dispute.opened", disputeOpenedFacts),
	facts[schemas.PaymentDisputeUpdated]("novatrek.support.payment-dispute.updated", disputeUpdatedFacts),
	facts[schemas.LoyaltyPointsEarned]("novatrek.support.loyalty-points.earned", pointsEarnedFacts),
	facts[schemas.LoyaltyTierChanged]("novatrek.support.loyalty-tier.changed", tierChangedFacts),
	facts[schemas.LoyaltyRewardRedeemed]("novatrek.support.loyalty-reward.redeemed", rewardRedeemedFacts),
	facts[schemas.ReviewPublished]("novatrek.support.review.published", reviewFacts),
	facts[schemas.RatingAggregateUpdated]("novatrek.support.rating-aggregate.updated", ratingAggregateFacts),
	facts[schemas.WeatherAlertIssued]("novatrek.support.weather-alert.issued", weatherAlertFacts),
	facts[schemas.WeatherAlertUpdated]("novatrek.support.weather-alert.updated", weatherAlertUpdatedFacts),
	facts[schemas.WeatherAlertCancelled]("novatrek.support.weather-alert.cancelled", weatherAlertCancelledFacts),
	facts[schemas.TripWeatherRiskChanged]("novatrek.support.trip-weather-risk.changed", tripWeatherRiskFacts),
	facts[schemas.GuestPositionReported]("novatrek.guest-identity.guest-position.reported", guestPositionFacts),
	facts[schemas.LocationCapacityThresholdCrossed]("novatrek.support.location-capacity.threshold-crossed", capacityFacts),
	facts[schemas.PurchaseOrderStatusChanged]("novatrek.support.purchase-order.status-changed", purchaseOrderFacts),
	facts[schemas.ReorderAlertRaised]("novatrek.support.reorder-alert.raised", reorderAlertFacts),
	facts[schemas.MediaAssetUploaded]("novatrek.support.media-asset.uploaded", mediaUploadedFacts),
	facts[schemas.NotificationDeliveryStatusChanged]("novatrek.support.notification.delivery-status-changed", deliveryStatusFacts),
}

// facts subscribes to topic in batches: each event becomes its rows through m, and the
// batch's rows are written in one transaction (write). An event m refuses, or whose time
// lies outside what is kept, fails permanently: the runtime isolates it and dead-letters
// it with the reason while the rest of the batch commits.
func facts[T any, P stream.Message[T]](topic string, m func(*T) ([]fact, error)) service.Subscription[*app] {
	return service.OnBatch[*app, T, P](topic, func(a *app, ctx context.Context, tx pgx.Tx, evs []stream.Event[T]) error {
		rows := make([]row, 0, len(evs))
		for i := range evs {
			fs, err := m(&evs[i].Value)
			if err == nil {
				err = a.admit(fs)
			}
			if err != nil {
				return stream.Permanent(fmt.Errorf("%s event %s: %w", topic, evs[i].Meta.EventID, err))
			}
			if len(fs) > math.MaxInt16 {
				return stream.Permanent(fmt.Errorf("%s event %s: %d facts, more than one event may have", topic, evs[i].Meta.EventID, len(fs)))
			}
			for j, f := range fs {
				rows = append(rows, row{eventID: evs[i].Meta.EventID, seq: int16(j), fact: f})
			}
		}
		return a.facts.Apply(ctx, tx, rows)
	})
}

// admit refuses facts whose time retention has already dropped (they would land in a
// month that no longer exists, to be lost at the next maintenance) or that lie further in
// the future than MaxFuture.
func (a *app) admit(fs []fact) error {
	now := a.now()
	oldest, latest := a.cfg.oldestKept(now), now.Add(a.cfg.MaxFuture)
	for _, f := range fs {
		switch {
		case f.at.Before(oldest):
			return fmt.Errorf("%s at %s is older than the %d months kept (from %s)", f.metric, f.at.UTC().Format("2006-01-02T15:04:05Z"), a.cfg.RetentionMonths, oldest.Format("2006-01-02"))
		case f.at.After(latest):
			return fmt.Errorf("%s at %s is more than %s ahead of the clock", f.metric, f.at.UTC().Format("2006-01-02T15:04:05Z"), a.cfg.MaxFuture)
		}
	}
	return nil
}
