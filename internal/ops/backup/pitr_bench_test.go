package backup_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/dev/devstack"
	"github.com/novatrek/support/internal/ops/backup"
	"github.com/novatrek/support/internal/testkit/cpustat"
)

// BenchmarkBaseBackupAndRestore measures `backup --base` (pg_basebackup, then unpacking and
// pg_verifybackup before naming it) beside a bare `pg_basebackup --format=tar --gzip` of the
// same cluster in the same run, and `restore --to-time` (unpacking, pg_verifybackup, the WAL
// plan) beside a bare `tar -xzf` of the same backup. The cluster is a throwaway one holding
// BENCH_PITR_MB (default 64) MiB of rows. It prints MiB/s of each and the ratios of wall
// time and of CPU time (this process and the programs it ran: pg_basebackup's gzip,
// pg_verifybackup, tar; not the server's), which holds stiller on a shared machine.
func BenchmarkBaseBackupAndRestore(b *testing.B) {
	bin, err := devstack.PostgresBin()
	if err != nil {
		b.Skipf("the benchmark runs its own PostgreSQL cluster: %v", err)
	}
	ctx := context.Background()
	mib := 64
	if v := os.Getenv("BENCH_PITR_MB"); v != "" {
		if mib, err = strconv.Atoi(v); err != nil {
			b.Fatalf("BENCH_PITR_MB=%q: %v", v, err)
		}
	}
	// Its own directory, open to user postgres, which runs the cluster when we are root.
	work, err := os.MkdirTemp("", "pitr-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(work) })
	if err := os.Chmod(work, 0o755); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv, err := devstack.StartPostgres(ctx, filepath.Join(work, "cluster"), uint16(port), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Stop(context.Background()) })
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	size := fill(b, url, mib)

	var backupT, rawT, restoreT, untarT time.Duration
	var backupCPU, rawCPU, restoreCPU, untarCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		dir := filepath.Join(work, fmt.Sprintf("run%d", i))
		start, cpu := time.Now(), cpuTime()
		raw := filepath.Join(dir, "raw")
		if out, err := exec.Command(filepath.Join(bin, "pg_basebackup"), "--pgdata="+raw, "--format=tar", "--gzip",
			"--wal-method=stream", "--checkpoint=fast", "--no-password", "--dbname="+url).CombinedOutput(); err != nil {
			b.Fatalf("pg_basebackup: %v: %s", err, out)
		}
		rawT, rawCPU = rawT+time.Since(start), rawCPU+cpuTime()-cpu

		start, cpu = time.Now(), cpuTime()
		res, err := backup.BaseBackup(ctx, backup.BaseOptions{DatabaseURL: url, Service: "svc-payments", Dir: filepath.Join(dir, "backups"), BinDir: bin})
		if err != nil {
			b.Fatal(err)
		}
		backupT, backupCPU = backupT+time.Since(start), backupCPU+cpuTime()-cpu

		start, cpu = time.Now(), cpuTime()
		untarred := filepath.Join(dir, "untarred")
		if err := os.MkdirAll(filepath.Join(untarred, "pg_wal"), 0o700); err != nil {
			b.Fatal(err)
		}
		for _, c := range [][]string{{"-xzf", filepath.Join(raw, "base.tar.gz"), "-C", untarred},
			{"-xzf", filepath.Join(raw, "pg_wal.tar.gz"), "-C", filepath.Join(untarred, "pg_wal")}} {
			if out, err := exec.Command("tar", c...).CombinedOutput(); err != nil {
				b.Fatalf("tar %v: %v: %s", c, err, out)
			}
		}
		untarT, untarCPU = untarT+time.Since(start), untarCPU+cpuTime()-cpu

		start, cpu = time.Now(), cpuTime()
		if _, err := backup.RestoreToTime(ctx, backup.PITROptions{Service: "svc-payments", Dir: filepath.Join(dir, "backups"),
			DataDir: filepath.Join(dir, "restored"), Target: res.Base.Taken, BinDir: bin}); err != nil {
			b.Fatal(err)
		}
		restoreT, restoreCPU = restoreT+time.Since(start), restoreCPU+cpuTime()-cpu
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rate := func(d time.Duration) float64 { return float64(size) / (1 << 20) / (d.Seconds() / float64(b.N)) }
	b.ReportMetric(float64(size)/(1<<20), "cluster_MiB")
	b.ReportMetric(rate(backupT), "backup_MiB/s")
	b.ReportMetric(rate(rawT), "pg_basebackup_MiB/s")
	b.ReportMetric(backupT.Seconds()/rawT.Seconds(), "backup/pg_basebackup_time")
	b.ReportMetric(rate(restoreT), "restore_MiB/s")
	b.ReportMetric(rate(untarT), "tar_xzf_MiB/s")
	b.ReportMetric(restoreT.Seconds()/untarT.Seconds(), "restore/tar_xzf_time")
	b.ReportMetric(backupCPU.Seconds()/float64(b.N), "backup_cpu_s")
	b.ReportMetric(rawCPU.Seconds()/float64(b.N), "pg_basebackup_cpu_s")
	b.ReportMetric(restoreCPU.Seconds()/float64(b.N), "restore_cpu_s")
	b.ReportMetric(untarCPU.Seconds()/float64(b.N), "tar_xzf_cpu_s")
}

// cpuTime is the CPU time of this process and of the children it has waited for.
func cpuTime() time.Duration { return cpustat.Process() + cpustat.Children() }

// fill writes about mib MiB of rows into the cluster's postgres database and returns the
// cluster's size in bytes (every database).
func fill(b *testing.B, url string, mib int) int64 {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	// A row of two md5 texts and an integer takes about 100 bytes on disk.
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE filler AS SELECT g, md5(g::text) AS a, md5((-g)::text) AS b
		FROM generate_series(1, %d) g`, mib*(1<<20)/100)); err != nil {
		b.Fatal(err)
	}
	var size int64
	if err := conn.QueryRow(ctx, `SELECT sum(pg_database_size(datname))::bigint FROM pg_database`).Scan(&size); err != nil {
		b.Fatal(err)
	}
	return size
}
