// Package registry is a Confluent Schema Registry compatible HTTP server for the embedded dev
// stack. Unlike franz-go's srfake it enforces the compatibility level on registration (409
// naming the offending field) and persists its state, so schema ids and versions survive a
// restart of the dev stack.
//
// It serves the routes franz-go's sr.Client and Confluent's serializers call: registration,
// lookup, schemas by id and by subject version, subjects, soft and hard deletes, global and
// per-subject compatibility config, compatibility checks, and a fixed READWRITE mode. Errors use
// Confluent's body {"error_code": 40401, "message": "..."} and its codes.
//
// Deliberate differences from Confluent:
//   - AVRO only: PROTOBUF and JSON schemas are refused with 42201.
//   - No schema references (a registration with "references" gets 42201), no metadata or rule
//     sets (data contracts, 42201), no schema contexts, no GUIDs.
//   - The mode is always READWRITE: IMPORT (choosing ids and versions) and READONLY are refused
//     with 42204; a registration naming an id or version other than the one the registry would
//     assign gets 42205.
//   - Schemas are compared by their parsed form (as with Confluent's normalize=true), so the same
//     schema written with different whitespace or key order gets the same id.
//   - Hard-deleting the last version that uses a schema forgets that schema's id (as Confluent
//     does); ids are never reused.
//   - One process per state directory: there is no cross-process lock, no leader election.
package registry
