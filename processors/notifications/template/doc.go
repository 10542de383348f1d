// Package template stores and renders the versioned message templates of svc-notifications
// (the spec's "Template versioning with rollback support").
//
// A template is identified by a Key (name, channel, locale) and has numbered versions 1, 2, ...
// Publish validates a Draft by rendering it against its own sample data, stores it as the next
// version and makes it current. Rollback makes an earlier version current again; it appends to
// an activation history and never deletes or rewrites a version. Every version has a database
// id (Version.ID) that a notification records, so re-rendering an old notification uses the
// exact text it was sent with even after later publishes or rollbacks.
//
// Subject and Body are text/template (plain text: SMS, push, in-app, the email text part);
// HTML, for email only, is html/template, which escapes every value for its HTML context.
// Both execute with missingkey=error, and a template may use only the variables it declares,
// so a typo fails at publish time rather than sending "<no value>" to a guest.
//
// Locale fallback (Resolve): a request for "fr-CA" tries "fr-CA", then "fr", then
// DefaultLocale ("en"): subtags are dropped from the right one at a time, and the first locale
// with a current version wins. Current does no fallback.
//
// Functions take a DB: a *pgxpool.Pool, a pgx.Conn or a pgx.Tx, so a publish can join the
// caller's transaction (River's ...Tx style). Tables live in the "notifications" schema.
package template
