package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Fencing closes the one gap of the resume check (resume.go, "What it cannot see"): a deposed
// leader cut off from its store by the network, not crashed, whose producer still holds a
// record it sent without an answer. Nothing on the store's side can stop that record: the old
// leader does not know it was deposed, and its client keeps retrying such a record past
// RecordDeliveryTimeout (franz-go enforces the timeout only on records never sent or
// answered, since failing one in flight would break the idempotent sequence), so it can land
// minutes after the successor's check read the tail and published the row again.
//
// With Config.Fence the relay produces through a transactional producer whose id names the
// store (its Session's TransactionalID, see TransactionalIDer), one client per leadership. A new
// leader's first act, before its resume check, is InitProducerID under that id: the broker
// bumps the producer epoch, aborts the old leader's open transaction (writing abort markers
// on every partition it had added) and from then on refuses that producer's requests, however
// late they arrive (INVALID_PRODUCER_EPOCH / PRODUCER_FENCED). The resume check then reads
// committed records only, so what it sees is final. A batch's rows are deleted only once its
// transaction committed; a failed record aborts its whole transaction, and its rows, still in
// the store, go out again in the next one. A relay whose producer is fenced stops leading
// without touching its client again (a transactional client that recovers its producer id
// would bump the epoch back and fence its successor).
//
// Why not the alternatives:
//   - The successor waiting out the old producer's delivery timeout before its check is not
//     sound: a record sent without an answer is retried past the timeout (above), and bytes
//     already in the kernel's socket buffer are retransmitted for as long as TCP keeps the
//     connection (tcp_retries2: about 15 minutes on Linux). It would only narrow the window.
//   - Self-fencing by the old leader (stop producing when its session is in doubt) has the
//     same hole: it cannot recall what it already sent.
//   - Kafka Connect's exactly-once source support (KIP-618, Kafka 3.3) does what this does: a
//     transactional id per source task, the previous task generation fenced before the next
//     one starts, readers told to read committed.
//
// The cost, and why it is an option: readers must read committed (kgo.FetchIsolationLevel(
// kgo.ReadCommitted()); the Java consumer and franz-go read uncommitted by default, librdkafka
// and the clients built on it read committed, KafkaJS reads committed unless readUncommitted
// is set). A reader of uncommitted records sees an aborted transaction's records and their
// second, committed copy. Each transaction also adds a commit marker per partition, which
// takes an offset: lag computed as end offset minus the next offset to read shows 1 behind a
// marker unless the reader's position moved past it. And a transaction costs the round trips
// of AddPartitionsToTxn and EndTxn per batch (see the README's "Speed" for the figures).
// Of our own readers, `novatrek consume` (unless --isolation read_uncommitted), the console,
// the lag exporter's timestamp reads and the dev stand-ins read committed; the stream
// runtime, the dead-letter reader and the soak's topic checks read uncommitted, and the
// runtime, the soak's drain and the lag figures compare stored offsets with end offsets. So
// the services do not turn fencing on yet (README, "What is not built yet").

// fenceTxnTimeout is the broker's bound on one transaction of a fenced relay. A transaction
// spans a pipeline of batches (at most MaxAheadStreak+1 between commits), and the relay
// commits it before it nears this bound (fenceTxnMaxAge); a crashed leader's open transaction holds back read-committed readers of
// its partitions at most this long when no successor takes over (a successor aborts it at
// once).
const fenceTxnTimeout = time.Minute

// fenceInitTimeout bounds a new leader's InitProducerID, which waits for the previous
// leader's open transaction to be aborted.
const fenceInitTimeout = 30 * time.Second

// fenceRetryBackoff is the fenced producer's wait before retrying a request. A broker under
// KIP-890 (Kafka 4) answers a Produce that opens a transaction right after the previous one
// ended with CONCURRENT_TRANSACTIONS while it writes the commit markers, a matter of
// milliseconds; franz-go retries it like any retriable error, after 250 ms at first by
// default, which at one transaction per batch held every batch of a quiet relay back by a
// quarter of a second or more (BenchmarkEndToEndLatencyFenced on Apache Kafka 4.4: p50 42 and
// 928 ms). Here the first retry waits 5 ms and each next one doubles, up to franz-go's 5 s.
func fenceRetryBackoff(fails int) time.Duration {
	return min(5*time.Millisecond<<min(max(fails-1, 0), 10), 5*time.Second)
}

// TransactionalIDer is a Session whose store names itself uniquely on a Kafka cluster, e.g.
// its database and schema: two stores sharing a transactional id would fence each other. A
// session without it is fenced under "novatrek-outbox/" + Store.Name(). Config.TransactionalID
// overrides both.
type TransactionalIDer interface {
	TransactionalID() string
}

// txn is the transaction state of a fenced relay's leadership.
type txn struct {
	client  *kgo.Client
	open    bool
	started time.Time // when the open transaction began
	pending []int64   // acknowledged rows of the open transaction: deleted once it commits
	failed  bool      // a record of the open transaction failed: it is aborted
	// fenced is set once the producer was fenced or its transaction state is unknown: the
	// relay stops leading and the next leadership starts a new client.
	fenced error
}

// transactionalID is the id the relay's producer fences under while it leads s.
func (r *Relay) transactionalID(s Session) string {
	if r.cfg.TransactionalID != "" {
		return r.cfg.TransactionalID
	}
	if t, ok := s.(TransactionalIDer); ok {
		if id := t.TransactionalID(); id != "" {
			return id
		}
	}
	return "novatrek-outbox/" + r.name
}

// fencedClient creates the producer of one leadership and loads its producer id, which
// fences every earlier producer of the store and aborts its open transaction. It must return
// before the resume check reads anything.
func (r *Relay) fencedClient(ctx context.Context, s Session) (*kgo.Client, error) {
	cl, err := kgo.NewClient(r.fencedOpts(r.transactionalID(s))...)
	if err != nil {
		return nil, fmt.Errorf("create transactional producer: %w", err)
	}
	ictx, cancel := context.WithTimeout(ctx, fenceInitTimeout)
	defer cancel()
	if _, _, err := cl.ProducerID(ictx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("fence the previous leader (InitProducerID as %q): %w", r.transactionalID(s), err)
	}
	return cl, nil
}

// fencedOpts are the options of a fenced relay's producer fencing under id.
func (r *Relay) fencedOpts(id string) []kgo.Opt {
	return append(r.producerOpts(), kgo.TransactionalID(id), kgo.TransactionTimeout(fenceTxnTimeout),
		kgo.RetryBackoffFn(fenceRetryBackoff))
}

// begin opens a transaction before the first record of one, when the relay fences.
func (p *pipeline) begin() error {
	if p.txn == nil || p.txn.open {
		return nil
	}
	if err := p.txn.client.BeginTransaction(); err != nil {
		p.txn.fenced = err
		return fmt.Errorf("begin transaction: %w", err)
	}
	p.txn.open, p.txn.started = true, time.Now()
	return nil
}

// fenceTxnMaxAge is how old a fenced relay's open transaction may be for another batch to
// join it: one transaction spans up to MaxAheadStreak+1 batches, and the broker aborts it at
// fenceTxnTimeout. The last batch joins while it is younger than a quarter of that (15 s),
// and the batches in flight each finish within the delivery timeout (30 s by default) of
// their start, so the commit comes before the broker's abort.
const fenceTxnMaxAge = fenceTxnTimeout / 4

// txnAging says whether the open transaction must be committed before another batch joins
// it (see fenceTxnMaxAge; maxAge is it but in tests).
func (p *pipeline) txnAging(maxAge time.Duration) bool {
	return p.txn != nil && p.txn.open && time.Since(p.txn.started) >= maxAge
}

// endTxn commits the open transaction when every record of it was acknowledged, and hands
// its rows to the delete; otherwise it aborts it, and its rows stay in the store for the next
// transaction. A commit whose outcome is unknown sets p.resume: the next check reads whether
// it committed. It outlives ctx, as the delete after it does. Call it with nothing in flight.
func (r *Relay) endTxn(ctx context.Context, p *pipeline) error {
	t := p.txn
	if t == nil || !t.open {
		return nil
	}
	if t.fenced != nil {
		return t.fenced // never touch a fenced client again (see fence.go's doc)
	}
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fenceInitTimeout)
	defer cancel()
	rows := t.pending
	ok := !t.failed
	t.pending, t.open, t.failed = nil, false, false
	if ok {
		err := t.client.EndTransaction(ectx, kgo.TryCommit)
		if err == nil {
			p.acked = append(p.acked, rows...)
			r.m.published.Add(float64(len(rows)))
			return nil
		}
		p.resume = true // it may have committed
		t.fenced = err
		return fmt.Errorf("commit the transaction of %d rows (outcome unknown; the next leader checks): %w", len(rows), err)
	}
	if err := t.client.EndTransaction(ectx, kgo.TryAbort); err != nil {
		t.fenced = err
		return fmt.Errorf("abort the transaction of %d rows: %w", len(rows), err)
	}
	return nil
}

// noteFailure records a produce failure of a fenced relay's transaction, which dooms it; a
// fencing error means another relay leads now.
func (p *pipeline) noteFailure(err error) {
	if p.txn == nil {
		return
	}
	p.txn.failed = true
	if p.txn.fenced == nil && isFenced(err) {
		p.txn.fenced = err
	}
}

// isFenced tells the errors a broker answers a producer whose epoch another one bumped.
func isFenced(err error) bool {
	return slices.ContainsFunc([]error{kerr.ProducerFenced, kerr.InvalidProducerEpoch, kerr.InvalidProducerIDMapping,
		kerr.TransactionalIDAuthorizationFailed}, func(e error) bool { return errors.Is(err, e) })
}

// fence creates the producer of a new leadership, retrying with backoff while the brokers
// cannot be reached; it gives up (false) when ctx ends or the session is lost.
func (r *Relay) fence(ctx context.Context, s Session, bo *backoff) (*kgo.Client, bool) {
	for {
		cl, err := r.fencedClient(ctx, s)
		if err == nil {
			bo.Reset()
			return cl, true
		}
		r.retryAfter(ctx, s, bo, "outbox relay: cannot fence the previous leader's producer; nothing is published until it is", err)
		select {
		case <-ctx.Done():
			return nil, false
		case <-s.Lost():
			return nil, false
		default:
		}
	}
}
