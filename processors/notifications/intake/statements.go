package intake

import "github.com/jackc/pgx/v5"

// statements are the intake's SQL, with the schema's tables quoted once. The insert skips a
// row that conflicts on any key: the id (derived from the idempotency key, see
// notificationID) or the older (source_event_id, recipient, channel).
type statements struct {
	insert  string
	log     string
	contact string
}

func newStatements(schema string) statements {
	notifications := pgx.Identifier{schema, "notifications"}.Sanitize()
	return statements{
		insert: `INSERT INTO ` + notifications + ` (id, source_event_id, source_topic, request_id, kind,
	recipient, recipient_type, recipient_id, address, channel, category, locale,
	template_name, template_version_id, subject, body, html, priority, status, status_reason, defer_until)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
ON CONFLICT DO NOTHING`,
		log: `INSERT INTO ` + pgx.Identifier{schema, "intake_log"}.Sanitize() + ` (event_id, topic, notifications, created)
VALUES ($1, $2, $3, $4)`,
		contact: upsertContact(schema),
	}
}
