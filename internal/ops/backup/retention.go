package backup

import (
	"fmt"
	"time"
)

// Retention is how long a service's dumps are kept, and where that figure comes from.
type Retention struct {
	Days int
	// Source says which line of the spec (docs/spec/support-domain.md, "Data Stores") the
	// figure follows, or why it was chosen where the spec gives none.
	Source string
}

// Keep is the retention as a duration.
func (r Retention) Keep() time.Duration { return time.Duration(r.Days) * 24 * time.Hour }

// retentions are the spec's backup policies for the stores that are PostgreSQL here. Where
// the spec's engine is another one (Couchbase for loyalty, Oracle for analytics) or names no
// period (media), the daily dump follows the nearest figure the spec gives, as said.
var retentions = map[string]Retention{
	"svc-notifications": {30, "spec: daily pg_dump, 30-day retention"},
	"svc-payments": {7*365 + 2, "spec: 7-year retention (financial); its base backups and the WAL they need " +
		"are kept as long"},
	"svc-loyalty-rewards":       {30, "spec: Couchbase daily cbbackupmgr, no period given; 30 days as the other daily dumps"},
	"svc-media-gallery":         {30, "spec: daily pg_dump, no period given; 30 days as the other daily dumps"},
	"svc-analytics":             {90, "spec: Oracle RMAN, 90-day retention; the PostgreSQL store keeps its dumps as long"},
	"svc-weather":               {7, "spec: daily pg_dump, 7-day retention (cache data is ephemeral)"},
	"svc-location-services":     {14, "spec: daily pg_dump, 14-day retention"},
	"svc-inventory-procurement": {30, "spec: daily pg_dump, 30-day retention"},
	"svc-reviews":               {30, "spec: daily pg_dump, 30-day retention"},
}

// RetentionOf returns the retention of service's dumps; an unknown service is an error (a
// new service adds its row here, from its spec's backup line).
func RetentionOf(service string) (Retention, error) {
	r, ok := retentions[service]
	if !ok {
		return Retention{}, fmt.Errorf("backup: no retention for %s: add its spec's backup policy to internal/ops/backup/retention.go", service)
	}
	return r, nil
}
