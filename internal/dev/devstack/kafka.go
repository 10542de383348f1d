package devstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// newClusterID names a new dev cluster in metadata: "novatrek-dev-" and 12 random hex digits.
// kfake restores the id a persisted cluster was created with and ignores this one, so a data
// dir keeps its id across restarts while a wiped one (rm -rf, --reset) gets another: the
// services' stored offsets, bound to the cluster id, then see a new cluster, not only new
// topic ids.
func newClusterID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "novatrek-dev-" + hex.EncodeToString(b)
}

// startKafka starts the embedded broker, or, with ExternalBrokers, checks that the external
// cluster answers, and opens the stack's admin client on it.
func (s *Stack) startKafka(ctx context.Context) error {
	if len(s.cfg.ExternalBrokers) == 0 {
		_, port, _ := splitAddr("KafkaAddr", s.cfg.KafkaAddr)
		c, err := startKafka(port, s.cfg.DataDir, s.cfg.KafkaSyncWrites, s.log)
		if err != nil {
			return err
		}
		s.kafka = c
		s.onClose("kafka", func(context.Context) error {
			c.Close() // writes the final snapshot before returning
			return nil
		})
	}
	cl, err := kgo.NewClient(append(s.kafkaOpts(), kgo.ClientID("novatrek-dev"))...)
	if err != nil {
		return fmt.Errorf("kafka: admin client: %w", err)
	}
	s.kcl = cl
	s.onClose("kafka admin client", func(context.Context) error { cl.Close(); return nil })
	if s.kafka != nil {
		s.log.InfoContext(ctx, "kafka started", "brokers", s.Brokers(), "data", s.cfg.DataDir+"/kafka")
		return nil
	}
	return s.checkExternalKafka(ctx)
}

// checkExternalKafka fails the start, naming the brokers, when the external cluster does not
// answer a metadata request within externalTimeout: a wrong KAFKA_BROKERS is one clear line
// rather than services retrying in the background.
func (s *Stack) checkExternalKafka(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, externalTimeout)
	defer cancel()
	meta, err := kadm.NewClient(s.kcl).BrokerMetadata(cctx)
	if err != nil {
		return fmt.Errorf("kafka: external brokers %s do not answer: %w", strings.Join(s.cfg.ExternalBrokers, ","), err)
	}
	s.log.InfoContext(ctx, "kafka: using external cluster", "brokers", s.Brokers(), "cluster", meta.Cluster, "broker_count", len(meta.Brokers))
	return nil
}

// externalTimeout bounds the first request to an external broker or registry.
const externalTimeout = 15 * time.Second

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
		kfake.ClusterID(newClusterID()),
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
