package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kfake"
)

// clusterID names the dev cluster in metadata; a persisted cluster keeps the id it was
// created with.
const clusterID = "novatrek-dev"

// startKafka starts a one-broker kfake cluster persisted under <dataDir>/kafka.
//
// kfake persists continuously: every produced batch is appended to a segment file of its
// partition, every offset commit and group change to groups.log, topic changes to
// topics.json. Close writes a final snapshot (partition state, compacted groups.log,
// producer ids and sequence windows) before it returns, so a clean shutdown loses nothing
// and a crash of this process loses only in-memory producer state.
func startKafka(port int, dataDir string, syncWrites bool, logger *slog.Logger) (*kfake.Cluster, error) {
	opts := []kfake.Opt{
		kfake.Ports(port),
		kfake.ClusterID(clusterID),
		kfake.DataDir(filepath.Join(dataDir, "kafka")),
		kfake.WithLogger(kfakeLogger{logger.With("component", "kafka")}),
	}
	if syncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: start embedded broker on 127.0.0.1:%d with data in %s: %w", port, filepath.Join(dataDir, "kafka"), err)
	}
	return c, nil
}

// kfakeLogger forwards kfake's warnings and errors to slog; its info and debug levels log
// every request and would drown the dev stack's own lines.
type kfakeLogger struct{ l *slog.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	var lvl slog.Level
	switch level {
	case kfake.LogLevelError:
		lvl = slog.LevelError
	case kfake.LogLevelWarn:
		lvl = slog.LevelWarn
	default:
		return
	}
	k.l.Log(context.Background(), lvl, fmt.Sprintf(msg, args...))
}
