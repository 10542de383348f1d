package stream

import (
	"github.com/jackc/pgx/v5"

	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// beginOptions begins a batch's transaction; quiet (Config.Outbox leads) asks the outbox
// trigger for no NOTIFY, in the same round trip as the BEGIN. The runtime then wakes the
// relay after the commit instead.
func beginOptions(quiet bool) pgx.TxOptions {
	if quiet {
		return pgx.TxOptions{BeginQuery: pgoutbox.QuietBegin}
	}
	return pgx.TxOptions{}
}
