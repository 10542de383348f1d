package analytics

import (
	"fmt"

	"github.com/novatrek/support/schemas"
)

// Satisfaction facts: ratings (per guest, trip, guide) and the engagement signals beside
// them: loyalty activity, shared media and whether our messages reach guests.

// Target types of rating_aggregate.updated.
const (
	targetTrip  = "TRIP"
	targetGuide = "GUIDE"
)

func reviewFacts(e *schemas.ReviewPublished) ([]fact, error) {
	if e.Rating < 1 || e.Rating > 5 {
		return nil, fmt.Errorf("review %s: rating %d is not 1..5", e.ReviewID, e.Rating)
	}
	f := quantity(satisfactionScores, e.Metadata.OccurredAt, "review_rating", e.Rating)
	f.trip, f.guide, f.guest, f.reservation, f.reference = e.TripID, deref(e.GuideID), e.GuestID, e.ReservationID, e.ReviewID
	out := []fact{f}
	if e.GuideRating != nil && e.GuideID != nil {
		if *e.GuideRating < 1 || *e.GuideRating > 5 {
			return nil, fmt.Errorf("review %s: guide rating %d is not 1..5", e.ReviewID, *e.GuideRating)
		}
		g := quantity(guidePerformance, e.Metadata.OccurredAt, "guide_rating", *e.GuideRating)
		g.trip, g.guide, g.guest, g.reference = e.TripID, *e.GuideID, e.GuestID, e.ReviewID
		out = append(out, g)
	}
	return out, nil
}

// ratingAggregateFacts records the published average as a sample; the dashboards read the
// per-review ratings, this is the reviews service's own figure for comparison. A target
// type this version does not know (UNKNOWN, what a newer producer's symbol reads as) is
// kept without a trip or guide rather than refused.
func ratingAggregateFacts(e *schemas.RatingAggregateUpdated) ([]fact, error) {
	f := measure(satisfactionScores, e.Metadata.OccurredAt, "aggregate_rating", e.AverageRating)
	f.reference, f.category = e.TargetID, e.TargetType
	switch e.TargetType {
	case targetTrip:
		f.trip = e.TargetID
	case targetGuide:
		f.guide = e.TargetID
	}
	return []fact{f}, nil
}

func pointsEarnedFacts(e *schemas.LoyaltyPointsEarned) ([]fact, error) {
	f := quantity(satisfactionScores, e.Metadata.OccurredAt, "loyalty_points_earned", e.Points)
	f.guest, f.reservation, f.reference, f.category = e.GuestID, deref(e.ReservationID), e.TransactionID, e.Reason
	return []fact{f}, nil
}

func tierChangedFacts(e *schemas.LoyaltyTierChanged) ([]fact, error) {
	f := count(satisfactionScores, e.EffectiveAt, "loyalty_tier_changes")
	f.guest, f.category = e.GuestID, e.Direction+":"+e.NewTier
	return []fact{f}, nil
}

func rewardRedeemedFacts(e *schemas.LoyaltyRewardRedeemed) ([]fact, error) {
	f := quantity(satisfactionScores, e.Metadata.OccurredAt, "loyalty_points_redeemed", e.PointsSpent)
	f.guest, f.reservation, f.reference, f.category = e.GuestID, deref(e.ReservationID), e.RedemptionID, e.RewardID
	return []fact{f}, nil
}

func mediaUploadedFacts(e *schemas.MediaAssetUploaded) ([]fact, error) {
	f := count(satisfactionScores, e.Metadata.OccurredAt, "media_uploads")
	f.trip, f.reservation, f.reference, f.category = deref(e.TripID), deref(e.ReservationID), e.AssetID, e.MediaType
	if e.UploaderType == "GUEST" {
		f.guest = e.UploadedBy
	}
	return []fact{f}, nil
}

func deliveryStatusFacts(e *schemas.NotificationDeliveryStatusChanged) ([]fact, error) {
	f := count(satisfactionScores, e.Metadata.OccurredAt, "notification_deliveries")
	f.reference, f.category = e.NotificationID, e.Channel+":"+e.Status
	if e.RecipientType == "GUEST" {
		f.guest = deref(e.RecipientID)
	}
	return []fact{f}, nil
}
