package backup_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/ops/backup"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// TestWALArchiveAndBaseBackupNameTheMissingRight: a role without REPLICATION gets one line
// naming the right and how to grant it, from the archiver and the base backup alike, before
// anything is written or a slot created.
func TestWALArchiveAndBaseBackupNameTheMissingRight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	admin, err := pgxpool.New(ctx, pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	// A role of this test only, with a password made up now (the server may trust only
	// postgres on loopback).
	role, password := fmt.Sprintf("pitr_no_replication_%d", os.Getpid()), uuid.NewString()
	ident := pgx.Identifier{role}.Sanitize()
	pgtest.Exec(t, admin, `CREATE ROLE `+ident+` LOGIN NOREPLICATION NOSUPERUSER PASSWORD '`+password+`'`)
	t.Cleanup(func() { pgtest.Exec(t, admin, `DROP ROLE `+ident) })
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, password)

	dir := t.TempDir()
	err = backup.Archive(ctx, backup.ArchiveOptions{DatabaseURL: u.String(), Service: "svc-payments", Dir: dir})
	want := "role " + role + " lacks the REPLICATION right: a superuser grants it with ALTER ROLE " + ident + " REPLICATION"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("wal-archive as %s: %v; want %q", role, err, want)
	}
	_, err = backup.BaseBackup(ctx, backup.BaseOptions{DatabaseURL: u.String(), Service: "svc-payments", Dir: dir})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("backup --base as %s: %v; want %q", role, err, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refused commands left %d files in the backup directory", len(entries))
	}
	var slots int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1`, backup.SlotName("svc-payments")).Scan(&slots); err != nil || slots != 0 {
		t.Errorf("%d slots %s after the refusal (%v)", slots, backup.SlotName("svc-payments"), err)
	}
}

// TestPhysicalBackupIsPaymentsPolicyOnly: a service on the shared cluster is told its policy
// is the daily dump; nothing is written.
func TestPhysicalBackupIsPaymentsPolicyOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	_, err := backup.BaseBackup(ctx, backup.BaseOptions{DatabaseURL: "postgres://127.0.0.1:1/x", Service: "svc-reviews", Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "svc-reviews's backup policy is a daily pg_dump") {
		t.Errorf("base backup of svc-reviews: %v", err)
	}
	err = backup.Archive(ctx, backup.ArchiveOptions{DatabaseURL: "postgres://127.0.0.1:1/x", Service: "svc-reviews", Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "svc-reviews's backup policy is a daily pg_dump") {
		t.Errorf("wal-archive of svc-reviews: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refusals left %d files", len(entries))
	}
}
