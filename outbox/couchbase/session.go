package cboutbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/couchbase/gocb/v2"
	"github.com/google/uuid"

	"github.com/novatrek/support/outbox"
)

// lease is the lease document: who leads, for the logs of whoever reads it.
type lease struct {
	Owner string    `json:"owner"`
	Since time.Time `json:"since"`
}

// TryLead inserts the lease document with an expiry of Lease; an existing one means
// another relay leads.
func (o *Outbox) TryLead(ctx context.Context) (outbox.Session, bool, error) {
	l := lease{Owner: uuid.NewString(), Since: time.Now().UTC()}
	res, err := o.coll.Insert(leaseKey, l, &gocb.InsertOptions{Expiry: o.lease, Context: ctx})
	if errors.Is(err, gocb.ErrDocumentExists) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cboutbox: %s: take the lease: %w", o.name, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &session{o: o, doc: l, cas: res.Cas(), lost: make(chan struct{}), stop: cancel}
	s.wg.Go(func() { s.renew(runCtx) })
	return s, true, nil
}

// session is a held lease, renewed every third of Lease with its CAS.
type session struct {
	o        *Outbox
	doc      lease
	mu       sync.Mutex
	cas      gocb.Cas
	lost     chan struct{}
	lostOnce sync.Once
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// renew keeps the lease until stopped. A CAS mismatch or a missing lease means another
// relay may lead: lost at once. Other failures (a timeout) are lost only once the lease
// has expired since the last renewal.
func (s *session) renew(ctx context.Context) {
	t := time.NewTicker(s.o.lease / 3)
	defer t.Stop()
	renewed := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		res, err := s.o.coll.Replace(leaseKey, s.doc, &gocb.ReplaceOptions{Cas: s.cas, Expiry: s.o.lease, Context: ctx})
		if err == nil {
			s.cas, renewed = res.Cas(), time.Now()
		}
		s.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, gocb.ErrCasMismatch) || errors.Is(err, gocb.ErrDocumentNotFound) || (err != nil && time.Since(renewed) >= s.o.lease) {
			s.lostOnce.Do(func() { close(s.lost) })
			return
		}
	}
}

func (s *session) Lost() <-chan struct{} { return s.lost }

// TransactionalID names the outbox on a Kafka cluster for a fenced relay (outbox.Config.Fence):
// its bucket, scope and collection, since the lease document, and so leadership, lives there.
func (s *session) TransactionalID() string {
	return "novatrek-outbox/" + s.o.scope.BucketName() + "/" + s.o.name
}

// Wait returns on Committed in this process, after timeout, or when ctx ends.
func (s *session) Wait(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-s.o.wake:
	case <-t.C:
	case <-s.lost:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Fetch reads the oldest committed messages (request_plus: every commit before the call).
func (s *session) Fetch(ctx context.Context, limit int) ([]outbox.Row, error) {
	res, err := s.o.scope.Query("SELECT o.* FROM `"+s.o.coll.Name()+"` AS o WHERE o.id IS VALUED ORDER BY o.id LIMIT $1",
		&gocb.QueryOptions{PositionalParameters: []any{limit}, ScanConsistency: gocb.QueryScanConsistencyRequestPlus, Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("cboutbox: %s: fetch: %w", s.o.name, err)
	}
	var rows []outbox.Row
	for res.Next() {
		var d doc
		if err := res.Row(&d); err != nil {
			_ = res.Close()
			return nil, fmt.Errorf("cboutbox: %s: fetch: %w", s.o.name, err)
		}
		rows = append(rows, outbox.Row{ID: d.ID, CreatedAt: d.CreatedAt,
			Message: outbox.Message{Topic: d.Topic, Key: d.Key, Value: d.Value, Headers: d.Headers}})
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("cboutbox: %s: fetch: %w", s.o.name, err)
	}
	return rows, res.Close()
}

// Delete removes acknowledged messages; one gone already (removed by a previous leader
// that published it too) is no error.
func (s *session) Delete(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		_, err := s.o.coll.Remove(docKey(id), &gocb.RemoveOptions{Context: ctx})
		if err != nil && !errors.Is(err, gocb.ErrDocumentNotFound) {
			return fmt.Errorf("cboutbox: %s: delete message %d: %w", s.o.name, id, err)
		}
	}
	return nil
}

// Backlog counts the waiting messages and the age of the oldest.
func (s *session) Backlog(ctx context.Context) (outbox.Backlog, error) {
	res, err := s.o.scope.Query("SELECT COUNT(1) AS n, MIN(o.created_at) AS oldest FROM `"+s.o.coll.Name()+"` AS o WHERE o.id IS VALUED",
		&gocb.QueryOptions{ScanConsistency: gocb.QueryScanConsistencyRequestPlus, Context: ctx})
	if err != nil {
		return outbox.Backlog{}, fmt.Errorf("cboutbox: %s: backlog: %w", s.o.name, err)
	}
	var row struct {
		N      int64      `json:"n"`
		Oldest *time.Time `json:"oldest"`
	}
	if err := res.One(&row); err != nil {
		return outbox.Backlog{}, fmt.Errorf("cboutbox: %s: backlog: %w", s.o.name, err)
	}
	b := outbox.Backlog{Rows: row.N}
	if row.Oldest != nil {
		b.OldestAge = max(0, time.Since(*row.Oldest))
	}
	return b, nil
}

// Close stops renewing and removes the lease (by its CAS: never a successor's), so a
// standby takes over at once.
func (s *session) Close(ctx context.Context) error {
	s.stop()
	s.wg.Wait()
	s.lostOnce.Do(func() { close(s.lost) })
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.o.coll.Remove(leaseKey, &gocb.RemoveOptions{Cas: s.cas, Context: ctx})
	if err != nil && !errors.Is(err, gocb.ErrDocumentNotFound) && !errors.Is(err, gocb.ErrCasMismatch) {
		return fmt.Errorf("cboutbox: %s: give up the lease: %w", s.o.name, err)
	}
	return nil
}
