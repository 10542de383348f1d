package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"

	"github.com/novatrek/support/internal/platform/config"
)

// Processor consumes its routes' topics as one member of the consumer group Config.Group
// and applies each partition's records, in order, in batches inside PostgreSQL
// transactions. See the package documentation for the guarantees.
type Processor struct {
	cfg     Config
	log     *slog.Logger
	store   *store
	metrics *metrics
	reg     prometheus.Registerer
	routes  map[string]Route
	topics  []string
	running atomic.Bool

	// Set by Run for the life of one run.
	cl      *kgo.Client
	workCtx context.Context // handlers' context: outlives Run's ctx so in-flight batches finish
	crashCh chan struct{}   // closed by a test hook to simulate a crash
	crashed atomic.Bool

	mu      sync.Mutex
	workers map[topicPartition]*worker
	// replayUntil holds each assigned partition's stored replay bound (see Event.Replay),
	// loaded with the stored offsets on assignment, before the partition is fetched.
	replayUntil map[topicPartition]int64
	// logs holds each assigned partition's log (see LogID), which its batches bind the
	// stored offset to; refused, the assigned partitions not consumed (see refuse).
	logs    map[topicPartition]LogID
	refused map[topicPartition]bool

	// afterCommit, when set (tests only, see export_test.go), runs after each store
	// commit, before the Kafka offset is marked; returning true simulates a crash there.
	afterCommit func(topic string, partition int32, next int64) (crash bool)
	// beforeStop, when set (tests only), runs when workers are asked to stop.
	beforeStop func()
}

type topicPartition struct {
	topic     string
	partition int32
}

// errCrashed is returned by Run after a simulated crash.
var errCrashed = errors.New("stream: processor crashed (test hook)")

// New validates cfg, fills its defaults and registers the runtime's metrics.
func New(cfg Config) (*Processor, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	reg := prometheus.WrapRegistererWith(prometheus.Labels{"group": cfg.Group}, cfg.Metrics)
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	p := &Processor{
		cfg:     cfg,
		log:     cfg.Logger.With("group", cfg.Group),
		store:   newStore(cfg.Pool, cfg.Schema, cfg.Group),
		metrics: m,
		reg:     reg,
		routes:  map[string]Route{},
		workers: map[topicPartition]*worker{},

		replayUntil: map[topicPartition]int64{},
		logs:        map[topicPartition]LogID{},
		refused:     map[topicPartition]bool{},
	}
	for _, r := range cfg.Routes {
		p.routes[r.topic] = r
		p.topics = append(p.topics, r.topic)
		// From zero, so that increase() sees the first reset.
		m.resets.WithLabelValues(r.topic, "below_log_start")
	}
	slices.Sort(p.topics)
	return p, nil
}

// Run joins the group and processes records until ctx is canceled, then finishes the
// in-flight batches (each waits at most Config.StopTimeout), commits offsets and leaves the
// group. It returns nil after a clean shutdown. A Processor runs once at a time.
//
// A batch abandoned after StopTimeout rolls back; one whose COMMIT was already sent is
// settled first (see worker.commit), so once Run returns no transaction of it can still
// commit.
func (p *Processor) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("stream: processor is already running")
	}
	defer p.running.Store(false)

	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	p.workCtx = workCtx
	p.crashCh = make(chan struct{})
	p.crashed.Store(false)

	if err := p.checkEventKeys(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting for the store: a clean shutdown
		}
		return err
	}
	cl, err := kgo.NewClient(p.clientOpts()...)
	if err != nil {
		return fmt.Errorf("stream: create kafka client: %w", err)
	}
	p.cl = cl
	p.log.Info("stream processor starting", "topics", p.topics, "dead_letter_topic", p.cfg.DeadLetterTopic)

	pruneDone := make(chan struct{})
	pruneCtx, stopPrune := context.WithCancel(ctx)
	go func() { defer close(pruneDone); p.pruneLoop(pruneCtx) }()
	defer func() { stopPrune(); <-pruneDone }()

	pollCtx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	go func() {
		select {
		case <-p.crashCh:
			stopPoll()
		case <-pollCtx.Done():
		}
	}()
	p.poll(pollCtx)

	if p.crashed.Load() {
		// A crash: no graceful stop and no commits; the hook already stopped the worker
		// that crashed, the others are abandoned.
		p.stopWorkers(p.allPartitions(), 0)
		cl.AllowRebalance()
		cl.Close()
		return errCrashed
	}
	p.stopWorkers(p.allPartitions(), p.cfg.StopTimeout)
	p.commit(context.WithoutCancel(ctx))
	cl.CloseAllowingRebalance()
	p.log.Info("stream processor stopped")
	return nil
}

func (p *Processor) clientOpts() []kgo.Opt {
	prom := kprom.NewMetrics("novatrek_kafka", kprom.Registerer(p.reg))
	opts := []kgo.Opt{
		kgo.ConsumerGroup(p.cfg.Group),
		kgo.ConsumeTopics(p.topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Offsets are marked after each store commit and committed to Kafka every second
		// and on revoke: they serve lag tooling, the store's offsets are the truth.
		kgo.AutoCommitMarks(),
		kgo.AutoCommitInterval(time.Second),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(p.assigned),
		kgo.OnPartitionsRevoked(p.revoked),
		kgo.OnPartitionsLost(p.lost),
		kgo.AdjustFetchOffsetsFn(p.adjustOffsets),
		// 16 MiB per fetch (kgo's default is 50): replays stay well inside the memory
		// budget; partitions are paused when their queue is full anyway.
		kgo.FetchMaxBytes(16 << 20),
		// A resumed partition is fetched only once the in-flight fetch returns, and a
		// fetch of caught-up partitions waits this long for data (kgo's default is 5s):
		// keep a paused partition's stall short.
		kgo.FetchMaxWait(500 * time.Millisecond),
		kgo.WithLogger(kgoLogger{p.log}),
		kgo.WithHooks(prom),
		// Dead letters are produced with this client: ClientOpts may choose another codec.
		config.DefaultCompressionOpt(),
	}
	if len(p.cfg.Brokers) > 0 {
		opts = append(opts, kgo.SeedBrokers(p.cfg.Brokers...))
	}
	return append(opts, p.cfg.ClientOpts...)
}

// poll fetches records and queues them on their partition's worker until ctx ends. It never
// blocks on a worker: a partition whose queue is full is paused instead, so the poll loop
// keeps allowing rebalances.
func (p *Processor) poll(ctx context.Context) {
	for {
		fetches := p.cl.PollFetches(ctx)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			p.cl.AllowRebalance()
			return
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			p.log.Warn("fetch failed", "topic", topic, "partition", partition, "err", err)
		})
		fetches.EachPartition(func(ftp kgo.FetchTopicPartition) {
			if len(ftp.Records) == 0 {
				return
			}
			w := p.worker(ftp.Topic, ftp.Partition)
			if w == nil {
				// Not ours (any more): the owner resumes from the stored offset.
				return
			}
			w.enqueue(ftp.Records, ftp.HighWatermark)
		})
		p.cl.AllowRebalance()
	}
}

func (p *Processor) worker(topic string, partition int32) *worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.workers[topicPartition{topic, partition}]
}

func (p *Processor) allPartitions() map[string][]int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string][]int32{}
	for tp := range p.workers {
		out[tp.topic] = append(out[tp.topic], tp.partition)
	}
	return out
}

// assigned starts a worker per new partition. Fetching begins after adjustOffsets.
func (p *Processor) assigned(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for topic, partitions := range assigned {
		route, ok := p.routes[topic]
		if !ok {
			continue
		}
		for _, partition := range partitions {
			tp := topicPartition{topic, partition}
			if _, ok := p.workers[tp]; ok {
				continue
			}
			w := newWorker(p, route, partition)
			p.workers[tp] = w
			go w.run()
		}
	}
	p.log.Info("partitions assigned", "partitions", assigned)
}

// revoked lets the revoked partitions finish their in-flight batch (or abandons it after
// StopTimeout), then commits the marked offsets, before the rebalance proceeds.
func (p *Processor) revoked(ctx context.Context, _ *kgo.Client, revoked map[string][]int32) {
	p.stopWorkers(revoked, p.cfg.StopTimeout)
	p.forgetRefused(revoked)
	if !p.crashed.Load() {
		p.commit(ctx)
	}
	if len(revoked) > 0 {
		p.log.Info("partitions revoked", "partitions", revoked)
	}
}

// lost abandons the in-flight batches at once: another member may own the partitions
// already, and a commit would fail. Their transactions roll back; the offsets row lock and
// the inbox keep a zombie batch that still commits from applying anything twice.
func (p *Processor) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	p.stopWorkers(lost, 0)
	p.forgetRefused(lost)
	p.log.Warn("partitions lost", "partitions", lost)
}

func (p *Processor) commit(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.cl.CommitMarkedOffsets(ctx); err != nil {
		// Not fatal: the store's offsets are the truth, Kafka's only feed lag tooling.
		p.log.Warn("commit offsets to kafka", "err", err)
	}
}

// stopWorkers stops the workers of the given partitions in parallel and waits for them:
// each finishes its in-flight attempt, or is aborted (its transaction rolled back) once
// grace has passed.
func (p *Processor) stopWorkers(parts map[string][]int32, grace time.Duration) {
	if p.beforeStop != nil {
		p.beforeStop()
	}
	var stopping []*worker
	p.mu.Lock()
	for topic, partitions := range parts {
		for _, partition := range partitions {
			tp := topicPartition{topic, partition}
			if w, ok := p.workers[tp]; ok {
				delete(p.workers, tp)
				stopping = append(stopping, w)
			}
		}
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range stopping {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.stopAndWait(grace)
		}()
	}
	wg.Wait()
}

// adjustOffsets replaces the offsets Kafka has committed with those stored in the service's
// schema, which were written in the same transactions as the effects: a crash between the
// store commit and the Kafka commit then redelivers nothing. Each stored offset is first
// judged against the partition's log (see judge): one of another log, or beyond the high
// watermark, is refused — the partition is left out of the returned offsets, so it is
// owned but not fetched — and one below the log start starts at the log start. Partitions
// without a stored offset keep Kafka's (or the reset offset). It retries while the store
// or the cluster's metadata is unreachable (heartbeats continue meanwhile) until the group
// session ends.
func (p *Processor) adjustOffsets(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	topics := make([]string, 0, len(offsets))
	for t := range offsets {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	for attempt := 1; ; attempt++ {
		stored, err := p.store.offsets(ctx, topics)
		var logs map[topicPartition]partitionLog
		if err == nil {
			logs, err = describeLogs(ctx, p.cl, topics)
		}
		if err == nil {
			for topic, parts := range offsets {
				for partition := range parts {
					p.adjustPartition(ctx, topicPartition{topic, partition}, parts, stored, logs)
				}
			}
			return offsets, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("stream: load stored offsets: %w", ctx.Err())
		}
		d := backoff(attempt, p.cfg.MinBackoff, p.cfg.MaxBackoff)
		p.log.Warn("load stored offsets failed; retrying", "attempt", attempt, "backoff", d, "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stream: load stored offsets: %w", ctx.Err())
		case <-time.After(d):
		}
	}
}

// adjustPartition sets (or, refusing, deletes) tp's entry of parts from its stored offset.
func (p *Processor) adjustPartition(ctx context.Context, tp topicPartition, parts map[int32]kgo.Offset,
	stored map[topicPartition]storedOffset, logs map[topicPartition]partitionLog) {
	so, hasStored := stored[tp]
	actual, ok := logs[tp]
	if !ok {
		// Metadata lists every partition of a described topic; a partition it left out
		// cannot be judged, so it is not consumed blindly.
		actual = partitionLog{start: -1, end: -1}
	}
	p.mu.Lock()
	p.replayUntil[tp] = so.replayUntil
	p.logs[tp] = actual.id
	p.mu.Unlock()
	p.metrics.mismatch.WithLabelValues(tp.topic, strconv.Itoa(int(tp.partition))).Set(0)
	if !hasStored {
		return
	}
	v := judge(so, actual)
	if !ok {
		v = verdict{refused: fmt.Sprintf("stored offset %d cannot be checked: the cluster did not describe the partition", so.next)}
	}
	if v.refused != "" {
		delete(parts, tp.partition)
		p.refuse(ctx, tp, so, actual, v.refused)
		return
	}
	if v.belowStart {
		p.metrics.resets.WithLabelValues(tp.topic, "below_log_start").Inc()
		p.log.Warn("stored offset is below the log start (retention deleted records); starting at the log start",
			"topic", tp.topic, "partition", tp.partition, "stored_offset", so.next, "log_start", actual.start,
			"high_watermark", actual.end, "missed_records", actual.start-so.next)
	}
	if err := p.store.accept(ctx, tp, actual.id, actual.start); err != nil {
		p.log.Warn("stored offset accepted but not re-bound; the next assignment checks it again", "topic", tp.topic, "partition", tp.partition, "err", err)
	}
	parts[tp.partition] = kgo.NewOffset().At(v.next).WithEpoch(-1)
}

// logOf returns the log of an assigned partition, which its batches bind the stored offset to.
func (p *Processor) logOf(topic string, partition int32) LogID {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs[topicPartition{topic, partition}]
}

// replayBound returns the partition's replay bound loaded on assignment (0: none).
func (p *Processor) replayBound(topic string, partition int32) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.replayUntil[topicPartition{topic, partition}]
}

// crash simulates a process crash right after a store commit (test hook).
func (p *Processor) crash() {
	if p.crashed.CompareAndSwap(false, true) {
		close(p.crashCh)
	}
}
