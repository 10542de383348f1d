// Package console is the web console of the support domain: server-rendered pages over the
// operator tools, so the people who run the stream see what `novatrek groups lag`, `dlq`,
// `consume` and `schemas` show, in a browser, knowing which group is which service.
//
// It holds no logic of its own about Kafka: lag and status come from internal/ops/lag (the
// collector behind /metrics), dead letters and re-drives from internal/ops/deadletter, reset
// and rebuild plans from internal/ops/offsetreset, a replay's progress from the stream
// runtime's stored offsets, values are decoded like `novatrek dlq show` does, and the
// Analytics page reads svc-analytics' HTTP API like any client (it imports no service).
// Pages are html/template, assets are embedded (no CDN), charts are the vendored uPlot.
//
// Reading needs nothing; writing (a re-drive, a reset, a rebuild, a test event) needs the
// operator token: an operator signs in
// with it and a name, gets a session cookie (HttpOnly, SameSite=Strict) and a CSRF token
// that every write form carries. Without a configured token the console is read-only.
package console
