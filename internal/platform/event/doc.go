// Package event is the one place that stamps event metadata (schemas.EventMetadata): its id,
// type, occurred-at, producer and lineage. Every producer of the project goes through it —
// services through outbox.Emitter, `novatrek publish` through package publish, the simulator
// and the test producers directly — so every event on every topic follows the same rules:
//
//   - event_id: a new UUID v4 unless the producer derives one (replays must rebuild the same id);
//   - event_type: "<entity>.<event>" from the topic name (topology.Topic.EventType);
//   - occurred_at: UTC, milliseconds (what Avro timestamp-millis keeps);
//   - producer: the service named in topics.yaml as a producer of the topic;
//   - correlation_id: the flow's id, inherited from the cause; a flow's first event uses its
//     own id;
//   - causation_id: the id of the event (or request) that caused this one; null for a first event.
//
// Lineage travels in a context.Context: the stream runtime puts the inbound event's lineage
// (CausedBy) in each per-event handler's context, an HTTP edge puts the request's (FromRequest),
// and the Emitter reads it back (From).
package event
