// Package standin answers, in dev, for the domains our services call synchronously (the
// spec's outbound calls): svc-reservations ("verify completed booking", "validate
// reservation exists and is COMPLETED"), svc-guest-profiles ("get member profile",
// "validate guest identity") and svc-gear-inventory ("verify item catalog").
//
// The reservation and guest stand-ins know what was published: they consume the topics
// topics.yaml gives the schemas the Store applies (Schemas: reservation.created,
// reservation.status_changed, checkin.completed, guest.registered) from the start of each
// topic into memory (the simulator's traffic, or anything published
// with novatrek publish) and answer from it, 404 for ids never published. The gear
// stand-in serves a fixed catalog. Each stand-in declares its service's name once, as
// topics.yaml's services list has it (standIns; a test checks it is a declared service and
// not ours), and lives under /<service name>/ like our own services in the dev stack
// (Prefixes and Routes are derived from those names):
//
//	GET /svc-reservations/v1/reservations/{reservation_id}
//	GET /svc-guest-profiles/v1/guests/{guest_id}
//	GET /svc-gear-inventory/v1/items
//	GET /svc-gear-inventory/v1/items/{sku}
//
// Errors are application/problem+json. Nothing is persisted: a restart re-reads the topics.
package standin
