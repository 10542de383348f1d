// Package simulate generates realistic traffic from the domains around the support domain
// (booking, guest identity, operations, safety, logistics, product catalog, partners) onto
// the topics they produce in topics.yaml, so a dev stack has something to chew on.
//
// The traffic follows real flows with consistent ids: a guest registers, books a trip
// (reservation.created, PENDING), the booking is confirmed (status change plus booking,
// insurance and partner confirmation requests), the party checks in (checkin.completed plus
// check-in confirmation and waiver copy requests), its guest app reports GPS fixes
// (guest-position.reported, some late) and the trip completes; some bookings are
// cancelled or end as no-shows. Around them, the scheduling orchestrator publishes guide
// schedules (with guide-assignment requests and optimization metrics), and safety publishes
// incidents, rarely emergencies and wildlife alerts, each with the notification requests
// the spec's "Async: Yes" calls describe. The mix is weighted by the daily volumes of the
// spec (see mix.go).
//
// A Generator is pure: given a seed it always yields the same events (same ids, keys and
// contents) in the same order; only occurred-at comes from the clock it is handed. Run paces
// a Generator at a rate and sends the events to a Sink: PublishSink sends them the way every
// producer does (package publish: registered schema, Confluent wire format, keyed by the
// topic's key field); KafkaSink encodes with any serde (tests use an auto-registering one).
//
// Nothing here names the topics or our services: the generator knows schemas (Schemas), and
// topics.yaml says which topics carry them and which domain produces each (Topics). The
// domains' synchronous calls name the route they call (Call.Route, as the target's Spec
// declares it); Routes sends each to the sink of the service that serves it. Generator.Setup
// holds the calls made once before any event: the departure locations the check-ins name.
// The
// neighbours' workflows (neighbours.go: reviews, redemptions, purchase orders and stock,
// trip photos posted to S3 through presigned forms, media.go)
// are chains of such calls queued over the following events, each later call naming what an
// earlier one created (Call.Save).
//
// Event types are the spec's event names (reservation.status_changed, wildlife_alert.issued,
// ...), the names our consumers route by.
package simulate
