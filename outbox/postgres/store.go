package pgoutbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/outbox"
)

// Store is the relay's access to one schema's outbox; it implements outbox.Store.
type Store struct {
	o    *Outbox
	conf *pgx.ConnConfig
}

var _ outbox.Store = (*Store)(nil)

// Store returns the outbox as an outbox.Store. It opens its own connections (one per
// leadership attempt, kept while leading) with pool's settings, outside the pool: the leader
// holds its connection for as long as it leads.
func (o *Outbox) Store(pool *pgxpool.Pool) *Store {
	conf := pool.Config().ConnConfig.Copy()
	if conf.RuntimeParams == nil {
		conf.RuntimeParams = map[string]string{}
	}
	conf.RuntimeParams["application_name"] = "novatrek-outbox-relay"
	// Server-side keepalives bound how long the lock of a leader that vanished from the
	// network stays held (idle + interval*count = 25s); they are ignored on Unix sockets,
	// where the server notices a dead client at once.
	conf.RuntimeParams["tcp_keepalives_idle"] = "10"
	conf.RuntimeParams["tcp_keepalives_interval"] = "5"
	conf.RuntimeParams["tcp_keepalives_count"] = "3"
	return &Store{o: o, conf: conf}
}

// Name is the schema.
func (s *Store) Name() string { return s.o.schema }

// TryLead connects, tries the schema's advisory lock without waiting, and on success LISTENs
// on the outbox channel before returning, so no commit after the first fetch goes unheard.
func (s *Store) TryLead(ctx context.Context) (outbox.Session, bool, error) {
	conn, err := pgx.ConnectConfig(ctx, s.conf)
	if err != nil {
		return nil, false, fmt.Errorf("pgoutbox: %s: connect: %w", s.o.schema, err)
	}
	var locked bool
	var database string
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1), current_database()`, s.o.lockKey).Scan(&locked, &database); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, false, fmt.Errorf("pgoutbox: %s: try the relay lock: %w", s.o.schema, err)
	}
	if !locked {
		// Closing frees nothing but the connection: a standby holds no lock.
		if err := conn.Close(ctx); err != nil {
			return nil, false, fmt.Errorf("pgoutbox: %s: close standby connection: %w", s.o.schema, err)
		}
		return nil, false, nil
	}
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{s.o.channel}.Sanitize()); err != nil {
		conn.Close(context.WithoutCancel(ctx)) // ends the session, which frees the lock
		return nil, false, fmt.Errorf("pgoutbox: %s: listen on %s: %w", s.o.schema, s.o.channel, err)
	}
	return newSession(s.o, conn, database), true, nil
}
