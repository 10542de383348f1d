// Package store is what a service's code needs from its stores, declared once: the pgx
// query interfaces (DB, Execer), opening pools (Connect, OwnPool), the lazy Valkey client,
// and Listen, the LISTEN/NOTIFY loop that wakes a worker when a row is written.
package store
