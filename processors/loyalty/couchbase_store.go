package loyalty

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/couchbase/gocb/v2"
)

// cbScope is the spec's scope of svc-loyalty-rewards in the bucket (COUCHBASE_BUCKET).
const cbScope = "loyalty"

// Collections of scope loyalty: the spec's four (members, point_transactions, tiers,
// redemptions), plus the earning rule table and the reward catalog, which PostgreSQL keeps
// in tables of their own too. Lots live inside the member document and draws inside the
// debit's entry (see couchbase_docs.go). compose.kafka.yml's couchbase-init creates them.
const (
	cbMembers      = "members"
	cbEntries      = "point_transactions"
	cbTiers        = "tiers"
	cbRedemptions  = "redemptions"
	cbEarningRules = "earning_rules"
	cbRewards      = "rewards"
)

//go:embed migrations/couchbase/*.n1ql migrations/couchbase/seed.json
var couchbaseFiles embed.FS

// cbStore is scope loyalty of an open Couchbase cluster.
type cbStore struct {
	cluster                                              *gocb.Cluster
	scope                                                *gocb.Scope
	members, entries, tiers, redemptions, rules, rewards *gocb.Collection
	// committed runs after a committed transaction that enqueued events (the outbox's
	// wake-up); may be nil.
	committed func()
}

// openCouchbase connects with cfg's COUCHBASE_* settings, waits until the bucket answers,
// creates the indexes of migrations/couchbase (IF NOT EXISTS) and writes the seed documents
// that are missing. Everything is bounded by COUCHBASE_TIMEOUT, which is also each
// transaction's expiry.
func openCouchbase(ctx context.Context, cfg StoreConfig) (*cbStore, error) {
	cluster, err := gocb.Connect(cfg.URL, gocb.ClusterOptions{
		Authenticator:      gocb.PasswordAuthenticator{Username: cfg.Username, Password: cfg.Password},
		TransactionsConfig: gocb.TransactionsConfig{Timeout: cfg.Timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("loyalty: connect to Couchbase at %s: %w", cfg.URL, err)
	}
	bucket := cluster.Bucket(cfg.Bucket)
	if err := bucket.WaitUntilReady(cfg.Timeout, &gocb.WaitUntilReadyOptions{Context: ctx}); err != nil {
		_ = cluster.Close(nil)
		return nil, fmt.Errorf("loyalty: Couchbase bucket %s at %s not ready: %w", cfg.Bucket, cfg.URL, err)
	}
	scope := bucket.Scope(cbScope)
	s := &cbStore{cluster: cluster, scope: scope,
		members: scope.Collection(cbMembers), entries: scope.Collection(cbEntries), tiers: scope.Collection(cbTiers),
		redemptions: scope.Collection(cbRedemptions), rules: scope.Collection(cbEarningRules), rewards: scope.Collection(cbRewards)}
	if err := s.createIndexes(ctx); err != nil {
		_ = cluster.Close(nil)
		return nil, err
	}
	if err := s.seed(ctx); err != nil {
		_ = cluster.Close(nil)
		return nil, err
	}
	return s, nil
}

// Close disconnects.
func (s *cbStore) Close() error { return s.cluster.Close(nil) }

// createIndexes runs the statements of migrations/couchbase/*.n1ql in file order, in the
// scope's query context.
func (s *cbStore) createIndexes(ctx context.Context) error {
	files, err := couchbaseFiles.ReadDir("migrations/couchbase")
	if err != nil {
		return err
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".n1ql") {
			continue
		}
		text, err := couchbaseFiles.ReadFile("migrations/couchbase/" + f.Name())
		if err != nil {
			return err
		}
		for _, stmt := range n1qlStatements(string(text)) {
			res, err := s.scope.Query(stmt, &gocb.QueryOptions{Context: ctx})
			if err == nil {
				err = res.Close()
			}
			if err != nil {
				return fmt.Errorf("loyalty: Couchbase %s: %q: %w", f.Name(), stmt, err)
			}
		}
	}
	return nil
}

// n1qlStatements splits a file of statements ended by ';', leaving out "--" comment lines.
func n1qlStatements(text string) []string {
	var kept []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			kept = append(kept, line)
		}
	}
	var out []string
	for _, stmt := range strings.Split(strings.Join(kept, "\n"), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}

// seed inserts the tiers, rules and rewards of migrations/couchbase/seed.json that are
// missing, keyed by code or id; documents already there (edited by the owning team) stay
// as they are, as seed.go does for PostgreSQL.
func (s *cbStore) seed(ctx context.Context) error {
	raw, err := couchbaseFiles.ReadFile("migrations/couchbase/seed.json")
	if err != nil {
		return err
	}
	var docs map[string][]map[string]any
	if err := json.Unmarshal(raw, &docs); err != nil {
		return fmt.Errorf("loyalty: migrations/couchbase/seed.json: %w", err)
	}
	for _, set := range []struct {
		name, key string
		into      *gocb.Collection
	}{{"tiers", "code", s.tiers}, {"earning_rules", "id", s.rules}, {"rewards", "id", s.rewards}} {
		for _, d := range docs[set.name] {
			key, _ := d[set.key].(string)
			_, err := set.into.Insert(key, d, &gocb.InsertOptions{Context: ctx})
			if err != nil && !errors.Is(err, gocb.ErrDocumentExists) {
				return fmt.Errorf("loyalty: seed Couchbase %s %s: %w", set.name, key, err)
			}
		}
	}
	return nil
}

// inTx runs fn in one Couchbase transaction, attempted again (with a fresh cbTx) when it
// conflicts with another, committed when fn returns nil. fn's own error comes back as
// itself, so errors.Is(err, ErrInsufficient) holds; Couchbase being unavailable comes back
// transient (cbTransient). A commit whose attempt put events into the outbox wakes the
// relay (committed); one that only read or wrote the ledger leaves it asleep.
func (s *cbStore) inTx(fn func(*cbTx) error) error {
	var last *cbTx // the attempt that committed, when err is nil: attempts run one by one
	_, err := s.cluster.Transactions().Run(func(ac *gocb.TransactionAttemptContext) error {
		last = &cbTx{ac: ac, s: s, members: map[string]*cbHeldMember{}, redemptions: map[string]*gocb.TransactionGetResult{}}
		return fn(last)
	}, nil)
	if err == nil && last.enqueued && s.committed != nil {
		s.committed()
	}
	var failed *gocb.TransactionFailedError
	if errors.As(err, &failed) && failed.Unwrap() != nil {
		err = failed.Unwrap()
	}
	return cbTransient(err)
}

// reader is a cbTx outside any transaction, for cbPort's reads made outside one: a member
// document is one KV get, a listing one query, neither needs a transaction's staging.
func (s *cbStore) reader(ctx context.Context) *cbTx {
	return &cbTx{ctx: ctx, s: s, members: map[string]*cbHeldMember{}}
}
