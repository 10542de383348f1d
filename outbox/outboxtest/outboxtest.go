// Package outboxtest is the contract every outbox engine must pass: one suite of proofs
// (rollback, slow transactions, per-key order, wake-ups, failover, no re-publish on resume,
// broker outage) and the
// relay benchmarks, run against a real store and the in-process Kafka (franz-go kfake), or a
// real broker with NOVATREK_TEST_KAFKA=real (see internal/testkit/kafkatest).
//
// An engine package calls Run from a test and the benchmark functions from its benchmarks,
// giving an Open function that prepares a fresh, empty outbox of that engine:
//
//	func TestContract(t *testing.T) { outboxtest.Run(t, openPostgres) }
package outboxtest

import (
	"testing"

	"github.com/novatrek/support/outbox"
)

// Outbox is one fresh outbox of the engine under test, private to one test.
type Outbox interface {
	// Store returns a new Store value on the outbox. Each relay of a test gets its own, as
	// relays in separate processes would.
	Store() outbox.Store
	// Begin opens a store transaction of the kind a service handler runs in.
	Begin(t testing.TB) Tx
	// Len counts the rows waiting in the outbox.
	Len(t testing.TB) int
	// KillLeader ends the current leader's session without its cooperation, as a crash or
	// a network cut would (PostgreSQL: pg_terminate_backend on the lock holder).
	KillLeader(t testing.TB)
	// MuteNotifications stops commits from waking the relay, as if notifications were lost.
	MuteNotifications(t testing.TB)
}

// Tx is an open store transaction.
type Tx interface {
	// Enqueue adds messages to the outbox inside the transaction.
	Enqueue(t testing.TB, msgs ...outbox.Message)
	Commit(t testing.TB)
	Rollback(t testing.TB)
}

// Open prepares a fresh, empty outbox for t; whatever it creates is cleaned up with t.
type Open func(t testing.TB) Outbox

// Run runs the contract against the engine, each proof in a parallel subtest.
func Run(t *testing.T, open Open) {
	for _, tc := range proofs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

// RunFenced runs the contract again with every relay fencing (outbox.Config.Fence): one
// transaction per batch, read by read-committed consumers.
func RunFenced(t *testing.T, open Open) {
	fencedOpen := func(t testing.TB) Outbox { return fenced{open(t)} }
	for _, tc := range proofs {
		if tc.name == deposedLeaderProof {
			continue // runs with and without fencing already
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, fencedOpen)
		})
	}
}

// fenced marks an outbox whose relays fence (see startRelay).
type fenced struct{ Outbox }

const deposedLeaderProof = "DeposedLeaderCutOffByTheNetwork"

// proofs are the contract's proofs.
var proofs = []struct {
	name string
	fn   func(*testing.T, Open)
}{
	{"RollbackLeavesNoRowAndNoEvent", testRollback},
	{"SlowTransactionCommittedAfterAFasterLaterOneIsPublished", testSlowTransaction},
	{"SlowTransactionCommittedDuringABacklogIsPublishedSoon", testSlowTransactionDuringABacklog},
	{"MessagesArriveAsEnqueued", testRoundTrip},
	{"OrderPerKeyAcrossKeysAndBatches", testOrderPerKey},
	{"NotificationWakesTheRelayWithoutPolling", testNotification},
	{"PollingFindsRowsWhenNoNotificationComes", testPolling},
	{"OneRelayPublishesAndAStandbyTakesOverWhenItStops", testGracefulFailover},
	{"StandbyTakesOverWhenTheLeaderIsKilledAndNoRowIsLost", testKilledLeader},
	{"RelayRecoversAfterItsOwnSessionIsKilled", testRecover},
	{"DeleteFailingAfterProduceIsNotPublishedAgain", testDeleteFailsAfterProduce},
	{"LeaderKilledBetweenProduceAndDeleteIsNotPublishedAgain", testLeaderKilledBetweenProduceAndDelete},
	{"KafkaUnavailableRowsWaitThenAllArePublished", testKafkaOutage},
	{"OrderPerKeyHoldsWhenProducesFailWithTwoBatchesInFlight", testOrderWhileProducesFail},
	{deposedLeaderProof, testDeposedLeader},
}

// Commit enqueues msgs in one committed transaction.
func Commit(t testing.TB, ob Outbox, msgs ...outbox.Message) {
	t.Helper()
	tx := ob.Begin(t)
	tx.Enqueue(t, msgs...)
	tx.Commit(t)
}
