package backup

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// replicationSettings are what streaming WAL out of a server needs from it: pg_receivewal
// and pg_basebackup connect as replication clients.
type replicationSettings struct {
	walLevel            string
	maxWALSenders       int
	maxReplicationSlots int
	role                string
	canReplicate        bool // the role has REPLICATION or is a superuser
}

func readReplicationSettings(ctx context.Context, conn *pgx.Conn) (replicationSettings, error) {
	var s replicationSettings
	err := conn.QueryRow(ctx, `SELECT current_setting('wal_level'), current_setting('max_wal_senders')::int,
		current_setting('max_replication_slots')::int, rolname, rolreplication OR rolsuper
		FROM pg_roles WHERE rolname = current_user`).
		Scan(&s.walLevel, &s.maxWALSenders, &s.maxReplicationSlots, &s.role, &s.canReplicate)
	if err != nil {
		return s, fmt.Errorf("backup: read the server's replication settings: %w", err)
	}
	return s, nil
}

// problem is the first setting that keeps WAL from being streamed out, as one line naming
// the setting and its fix; nil when there is none.
func (s replicationSettings) problem() error {
	switch {
	case s.walLevel == "minimal":
		return fmt.Errorf("the server's wal_level is minimal, too little WAL to archive or to restore a base backup from: " +
			"set wal_level = replica in postgresql.conf and restart the server")
	case s.maxWALSenders < 1:
		return fmt.Errorf("the server's max_wal_senders is %d: set it to 3 or more in postgresql.conf (the WAL archiver "+
			"takes one, a base backup two) and restart the server", s.maxWALSenders)
	case s.maxReplicationSlots < 1:
		return fmt.Errorf("the server's max_replication_slots is %d: set it to 1 or more in postgresql.conf "+
			"(the WAL archiver's slot) and restart the server", s.maxReplicationSlots)
	case !s.canReplicate:
		return fmt.Errorf("role %s lacks the REPLICATION right: a superuser grants it with ALTER ROLE %s REPLICATION",
			s.role, pgx.Identifier{s.role}.Sanitize())
	}
	return nil
}

// CheckReplication fails with one line naming the setting when the server at conn cannot
// stream its WAL to this role.
func CheckReplication(ctx context.Context, conn *pgx.Conn) error {
	s, err := readReplicationSettings(ctx, conn)
	if err != nil {
		return err
	}
	if err := s.problem(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// replicationServer connects to the server at dbURL, checks that it can stream its WAL to
// this role (CheckReplication), and returns its major version for choosing the tools.
func replicationServer(ctx context.Context, dbURL string) (int, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, fmt.Errorf("backup: connect: %w", err)
	}
	defer conn.Close(ctx)
	major, err := serverMajor(ctx, conn)
	if err != nil {
		return 0, err
	}
	return major, CheckReplication(ctx, conn)
}
