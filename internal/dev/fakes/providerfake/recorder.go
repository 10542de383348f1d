package providerfake

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Call is one request a fake received on its send endpoint.
type Call struct {
	At time.Time
	// Recipient is the address the request named (email, phone number, device token).
	Recipient string
	// Ref is our message id as the request carried it (SendGrid custom_args, Twilio
	// StatusCallback query, FCM data); empty if it carried none.
	Ref string
	// Status is the HTTP status the fake answered; 0 when the client gave up first.
	Status int
	// ID is the provider's message id of an accepted message.
	ID string
	// Fault is the failure mode that answered, or FaultNone for a normal answer.
	Fault string
}

// Accepted reports whether the fake accepted the message (2xx).
func (c Call) Accepted() bool { return c.Status/100 == 2 }

// Recorder keeps every call of one fake. Its methods are safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	calls   []Call
	byTo    map[string]int
	byRef   map[string]int
	changed chan struct{} // closed and replaced on every record
}

func (r *Recorder) record(c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
	if c.Accepted() {
		if r.byTo == nil {
			r.byTo, r.byRef = map[string]int{}, map[string]int{}
		}
		r.byTo[c.Recipient]++
		if c.Ref != "" {
			r.byRef[c.Ref]++
		}
	}
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

// Calls returns a copy of every call so far, in arrival order.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// CallCount is the number of calls so far, accepted or not.
func (r *Recorder) CallCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// AcceptedFor is how many messages to recipient the fake accepted.
func (r *Recorder) AcceptedFor(recipient string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byTo[recipient]
}

// AcceptedRef is how many times the fake accepted a message carrying ref.
func (r *Recorder) AcceptedRef(ref string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byRef[ref]
}

// AcceptedTotal is how many messages the fake accepted.
func (r *Recorder) AcceptedTotal() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.byTo {
		n += c
	}
	return n
}

// Duplicates lists the refs accepted more than once, sorted: empty means every message
// was delivered at most once.
func (r *Recorder) Duplicates() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var dups []string
	for ref, n := range r.byRef {
		if n > 1 {
			dups = append(dups, ref)
		}
	}
	sort.Strings(dups)
	return dups
}

// Wait blocks until cond (called under no lock, after every recorded call and once at
// the start) returns true, or ctx ends.
func (r *Recorder) Wait(ctx context.Context, cond func() bool) error {
	for {
		r.mu.Lock()
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		ch := r.changed
		r.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
