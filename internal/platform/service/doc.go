// Package service declares what a NovaTrek support service is, so the CLI can start it — all
// of them in one process with `novatrek dev`, or one per process in production with
// `novatrek run <service>` — without knowing any of them by name.
//
// A service is a declaration, a [Spec]: its name (its consumer group id and its topics.yaml
// producer/consumer name), the PostgreSQL schema it owns and its migration sets, its
// subscriptions, the events it produces, its API routes with their callers, its outbound
// clients, workers and checks. The list of services holds [Definition]s; the runner
// (internal/platform/runner) connects, migrates, starts and stops every one the same way.
package service
