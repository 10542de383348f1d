package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/dev/devstack"
	"github.com/novatrek/support/internal/ops/backup"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
	"github.com/novatrek/support/processors/payments"
	"github.com/novatrek/support/schemas"
)

// TestPointInTimeRecoveryDrill is svc-payments' backup policy run the way an operator runs
// it, on a payments store with its own PostgreSQL cluster (a throwaway one, as the dev
// stack starts):
//
//  1. svc-payments runs on the cluster (`novatrek run`: it migrates its schema), `novatrek
//     wal-archive` streams the cluster's WAL, and `novatrek backup --base` takes a base
//     backup;
//  2. deposits go through the API (payments, ledger entries and lines, outbox, keys);
//  3. the time T is noted with the checksums of every table of the schema;
//  4. more deposits, the archiver receives their WAL and stops;
//  5. `novatrek restore --to-time T --pgdata D` builds a data directory, a server starts on
//     it on another port, replays the archived WAL up to T and promotes;
//  6. svc-payments starts on the recovered store and takes a deposit.
//
// The proof: every table's checksum (all columns: a physical restore brings back the very
// rows, arrival times included) equals the one noted at T, and none of the
// later deposits is there.
func TestPointInTimeRecoveryDrill(t *testing.T) {
	t.Parallel()
	bin, err := devstack.PostgresBin()
	if err != nil {
		t.Skipf("the drill runs its own PostgreSQL cluster: %v", err)
	}
	ctx := context.Background()
	const before, after = 12, 8
	work := t.TempDir()
	serverReadable(t, work)
	source := startCluster(t, filepath.Join(work, "source"))
	createDatabase(t, source, "payments")
	srcURL := source + "/payments?sslmode=disable"
	backups := filepath.Join(work, "backups")

	kafka := kafkaWithTopics(t, 3)
	// Run's serde does not register schemas (the dev stack does at start).
	if _, err := kafka.Serde.ID(ctx, payments.TopicPaymentProcessed, (&schemas.PaymentProcessed{}).Schema()); err != nil {
		t.Fatal(err)
	}
	base := config.FromEnv()
	base.KafkaBrokers, base.SchemaRegistryURL = kafka.Brokers, kafka.RegistryURL
	base.ValkeyURL = valkeytest.URL(t, servicetest.ValkeyDB)
	svc := *payments.Spec
	svc.Workers = nil // the refund, recovery and reconciliation loops would write on their own clock
	addr := freeAddr(t)
	stopSource := startProcessAt(t, &svc, base, srcURL, addr, providedEnv(t, &svc))
	awaitReady(t, addr)
	db := openPool(t, srcURL)

	stopArchiver := startArchiver(t, srcURL, backups, bin)
	if out := runCLI(t, "backup", payments.ServiceName, "--base", "--database-url", srcURL, "--dir", backups, "--pg-bin", bin); !strings.Contains(out, "base backup verified in "+backups) {
		t.Fatalf("backup --base said %q", out)
	}
	// A base backup is named by the second after it completed; T is to come after that.
	bases, err := backup.ListBases(backups, payments.ServiceName)
	if err != nil || len(bases) != 1 {
		t.Fatalf("base backups %v (%v), want the one just taken", bases, err)
	}
	streamtest.Eventually(t, "the server's clock to pass the base backup's name", func() (bool, error) {
		var now time.Time
		err := db.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now)
		return now.After(bases[0].Taken), err
	})

	deposits := func(n int) {
		t.Helper()
		for range n {
			deposit(t, addr)
		}
		awaitCount(t, db, 0, `SELECT count(*) FROM payments.outbox`)
	}
	deposits(before)
	var target time.Time
	if err := db.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	atTarget := checksumsWithout(t, db, "payments", nil)
	if n := count(t, db, `SELECT count(*) FROM payments.journal_lines`); n == 0 {
		t.Fatal("the deposits posted no ledger lines: the drill would compare empty ledgers")
	}
	deposits(after)
	if n := count(t, db, `SELECT count(*) FROM payments.payments`); n != before+after {
		t.Fatalf("the source holds %d payments, want %d", n, before+after)
	}
	awaitArchived(t, db)
	stopArchiver()
	serverReadable(t, backups)

	refuseTampered(t, backups, bin, filepath.Join(work, "tampered"), target)

	restored := filepath.Join(work, "restored")
	out := runCLI(t, "restore", payments.ServiceName, "--to-time", target.Format(time.RFC3339Nano),
		"--pgdata", filepath.Join(restored, "data"), "--dir", backups, "--pg-bin", bin)
	if !strings.Contains(out, "built from base backup "+backups) || !strings.Contains(out, "recovers to "+target.UTC().Format(time.RFC3339Nano)) {
		t.Fatalf("restore said %q", out)
	}
	t.Log(strings.TrimSpace(out))
	recoveredURL := startRecovery(t, restored) + "/payments?sslmode=disable"
	recovered := openPool(t, recoveredURL)
	// The server read the archive through restore_command (gzip-compressed segments: the
	// archiver's default) and stopped at T, before the first later commit.
	log, err := os.ReadFile(filepath.Join(restored, "postgres.log"))
	if err != nil {
		t.Fatal(err)
	}
	first := regexp.MustCompile(`and WAL ([0-9A-F]{24})\.\.`).FindStringSubmatch(out)
	if first == nil {
		t.Fatalf("restore named no WAL range: %q", out)
	}
	for _, want := range []string{`restored log file "` + first[1] + `" from archive`, "recovery stopping before commit of transaction"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("the restored server's log has no %q:\n%s", want, log)
		}
	}

	got := checksumsWithout(t, recovered, "payments", nil)
	for table, sum := range atTarget {
		if got[table] != sum {
			t.Errorf("payments.%s recovered to T differs from the table at T: %s, want %s", table, got[table], sum)
		}
	}
	if len(got) != len(atTarget) {
		t.Errorf("the recovered schema has %d tables, at T it had %d", len(got), len(atTarget))
	}
	if n := count(t, recovered, `SELECT count(*) FROM payments.payments`); n != before {
		t.Errorf("the recovered store holds %d payments, want the %d made before T (none of the %d after)", n, before, after)
	}

	// svc-payments runs on the recovered store (promoted: it takes writes) as on the one lost.
	stopSource()
	again := freeAddr(t)
	startProcessAt(t, &svc, base, recoveredURL, again, providedEnv(t, &svc))
	awaitReady(t, again)
	deposit(t, again)
	if n := count(t, recovered, `SELECT count(*) FROM payments.payments`); n != before+1 {
		t.Errorf("after a deposit on the recovered store it holds %d payments, want %d", n, before+1)
	}
}

// refuseTampered copies the backup directory to dir with one entry of the base backup's
// manifest changed, and checks that restore refuses it (pg_verifybackup) and leaves its data
// directory empty.
func refuseTampered(t *testing.T, backups, bin, dir string, target time.Time) {
	t.Helper()
	if err := os.CopyFS(dir, os.DirFS(backups)); err != nil {
		t.Fatal(err)
	}
	manifests, err := filepath.Glob(filepath.Join(dir, payments.ServiceName+"-base-*", "backup_manifest"))
	if err != nil || len(manifests) != 1 {
		t.Fatalf("manifests %v (%v), want one", manifests, err)
	}
	b, err := os.ReadFile(manifests[0])
	if err != nil {
		t.Fatal(err)
	}
	const entry = `{ "Path": "PG_VERSION", "Size": 3,`
	if !bytes.Contains(b, []byte(entry)) {
		t.Fatalf("the manifest has no %s", entry)
	}
	if err := os.WriteFile(manifests[0], bytes.Replace(b, []byte(entry), []byte(`{ "Path": "PG_VERSION", "Size": 4,`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	pgdata := filepath.Join(dir, "data")
	root := newRootCmd()
	var out bytes.Buffer
	root.SetArgs([]string{"restore", payments.ServiceName, "--to-time", target.Format(time.RFC3339Nano), "--pgdata", pgdata, "--dir", dir, "--pg-bin", bin})
	root.SetOut(&out)
	root.SetErr(&out)
	if err := root.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "pg_verifybackup failed") {
		t.Errorf("restore from a tampered base backup: %v; want pg_verifybackup's refusal\n%s", err, out.String())
	}
	if entries, err := os.ReadDir(pgdata); err != nil || len(entries) != 0 {
		t.Errorf("the refused restore left %d entries in %s (%v)", len(entries), pgdata, err)
	}
}

// startCluster starts a throwaway PostgreSQL cluster in root (initdb first when root/data
// holds none) on a free port, stopped when the test ends, and returns its URL without a
// database.
func startCluster(t *testing.T, root string) string {
	t.Helper()
	url, _ := startClusterOn(t, root, freePortNumber(t))
	return url
}

// startClusterOn is startCluster on port; the server returned may be stopped sooner.
func startClusterOn(t *testing.T, root string, port uint16) (string, *devstack.Server) {
	t.Helper()
	srv, err := devstack.StartPostgres(context.Background(), root, port, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopCluster(t, srv) })
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(int(port)), srv
}

func stopCluster(t *testing.T, srv *devstack.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		t.Error(err)
	}
}

// startRecovery starts a server on the data directory root/data that restore built and
// waits until it has replayed the WAL and promoted; it fails with the server's log when the
// recovery stops it.
func startRecovery(t *testing.T, root string) string {
	t.Helper()
	url := startCluster(t, root)
	db := openPool(t, url+"/postgres?sslmode=disable")
	streamtest.Eventually(t, "the restored server to finish recovery and promote", func() (bool, error) {
		var recovering bool
		if err := db.QueryRow(context.Background(), `SELECT pg_is_in_recovery()`).Scan(&recovering); err != nil {
			log, _ := os.ReadFile(filepath.Join(root, "postgres.log"))
			return false, fmt.Errorf("%v; server log:\n%s", err, log)
		}
		return !recovering, nil
	})
	return url
}

func freePortNumber(t *testing.T) uint16 {
	t.Helper()
	_, port, err := net.SplitHostPort(freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return uint16(n)
}

func createDatabase(t *testing.T, server, name string) {
	t.Helper()
	admin := openPool(t, server+"/postgres?sslmode=disable")
	if _, err := admin.Exec(context.Background(), `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
}

// serverReadable opens dir and its parents to the PostgreSQL server when we are root: the
// throwaway cluster then runs as user postgres, which must enter its own directory and read
// the WAL archive (restore_command runs as the server's user, as in production).
func serverReadable(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Chmod(p, 0o755)
		}
		return os.Chmod(p, 0o644)
	})
	for p := filepath.Dir(dir); err == nil && strings.HasPrefix(p, os.TempDir()+string(filepath.Separator)); p = filepath.Dir(p) {
		err = os.Chmod(p, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// startArchiver runs `novatrek wal-archive` (synchronous: each piece of WAL is reported as
// soon as it is flushed) until the returned stop.
func startArchiver(t *testing.T, dbURL, dir, bin string) (stop func()) {
	t.Helper()
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs([]string{"wal-archive", payments.ServiceName, "--synchronous", "--database-url", dbURL, "--dir", dir, "--pg-bin", bin})
	root.SetOut(&out)
	root.SetErr(&out)
	stop = inBackground(t, "wal-archive", func(ctx context.Context) error {
		if err := root.ExecuteContext(ctx); err != nil {
			return fmt.Errorf("%w\n%s", err, out.String())
		}
		return nil
	})
	// The slot exists once pg_receivewal streams through it.
	db := openPool(t, dbURL)
	streamtest.Eventually(t, "the WAL archiver to stream through its slot", func() (bool, error) {
		var active bool
		err := db.QueryRow(context.Background(), `SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = $1`,
			backup.SlotName(payments.ServiceName)).Scan(&active)
		return active, err
	})
	return stop
}

// awaitArchived waits until the archiver has flushed the WAL written so far.
func awaitArchived(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	var lsn string
	if err := db.QueryRow(context.Background(), `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	streamtest.Eventually(t, "the archiver to flush WAL up to "+lsn, func() (bool, error) {
		var done bool
		err := db.QueryRow(context.Background(), `SELECT coalesce(bool_or(r.flush_lsn >= $1::pg_lsn), false)
			FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = $2`,
			lsn, backup.SlotName(payments.ServiceName)).Scan(&done)
		return done, err
	})
}

// awaitReady waits until the service at addr answers /readyz.
func awaitReady(t *testing.T, addr string) {
	t.Helper()
	streamtest.Eventually(t, "svc-payments to be ready", func() (bool, error) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

// deposit is a 50 USD deposit for a new reservation, as svc-reservations asks for one.
func deposit(t *testing.T, addr string) {
	t.Helper()
	body := fmt.Sprintf(`{"reservation_id":%q,"guest_id":%q,"amount":{"amount":"50.00","currency":"USD"},"payment_method_token":"pm_card_visa"}`,
		uuid.NewString(), uuid.NewString())
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/deposits", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiauth.DevToken("svc-reservations"))
	req.Header.Set("Idempotency-Key", uuid.NewString())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		t.Fatalf("deposit: %s: %s", resp.Status, b.String())
	}
}

// TestWALArchiveNamesTheServerSetting: on a cluster set to wal_level = minimal (which needs
// max_wal_senders = 0), `wal-archive` and `backup --base` stop with one line naming the
// setting to change, and write nothing.
func TestWALArchiveNamesTheServerSetting(t *testing.T) {
	t.Parallel()
	bin, err := devstack.PostgresBin()
	if err != nil {
		t.Skipf("the test runs its own PostgreSQL cluster: %v", err)
	}
	work := t.TempDir()
	serverReadable(t, work)
	root, port := filepath.Join(work, "minimal"), freePortNumber(t)
	server, srv := startClusterOn(t, root, port)
	admin := openPool(t, server+"/postgres?sslmode=disable")
	for _, set := range []string{`ALTER SYSTEM SET wal_level = minimal`, `ALTER SYSTEM SET max_wal_senders = 0`} {
		if _, err := admin.Exec(context.Background(), set); err != nil {
			t.Fatal(err)
		}
	}
	admin.Close()
	// They apply at the server's start.
	stopCluster(t, srv)
	startClusterOn(t, root, port)
	dir := filepath.Join(work, "backups")
	for _, args := range [][]string{
		{"wal-archive", payments.ServiceName},
		{"backup", payments.ServiceName, "--base"},
	} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetArgs(append(args, "--database-url", server+"/postgres?sslmode=disable", "--dir", dir, "--pg-bin", bin))
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), "wal_level is minimal") || !strings.Contains(err.Error(), "set wal_level = replica") ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("novatrek %s on a wal_level = minimal server: %v; want one line naming wal_level", strings.Join(args, " "), err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the refused commands made %s (%v)", dir, err)
	}
}
