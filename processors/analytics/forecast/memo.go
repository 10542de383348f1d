package forecast

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"sync"
)

// Memo remembers the latest results of a pure function of a series, up to a bound,
// dropping the least recently used. A fit is such a function: the same values give the
// same model, so a repeated forecast of an unchanged series (a dashboard refreshing)
// need not run the optimizer again, and a series that changed (a new fact, a new day)
// has another key, so nothing stale is ever served.
type Memo[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // of memoEntry[V], most recently used first
	byKey map[SeriesKey]*list.Element
}

// SeriesKey identifies a series and what it is fitted as: a SHA-256 of both.
type SeriesKey [sha256.Size]byte

type memoEntry[V any] struct {
	key   SeriesKey
	value V
}

// NewMemo is an empty Memo of at most max entries.
func NewMemo[V any](max int) *Memo[V] {
	return &Memo[V]{max: max, order: list.New(), byKey: map[SeriesKey]*list.Element{}}
}

// KeyOf is the key of series y fitted as kind (e.g. its bucket size).
func KeyOf(kind string, y []float64) SeriesKey {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	var b [8]byte
	for _, v := range y {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	var k SeriesKey
	h.Sum(k[:0])
	return k
}

// Get is the value remembered for key.
func (m *Memo[V]) Get(key SeriesKey) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.byKey[key]
	if !ok {
		var zero V
		return zero, false
	}
	m.order.MoveToFront(e)
	return e.Value.(memoEntry[V]).value, true
}

// Put remembers value for key, forgetting the least recently used beyond the bound.
func (m *Memo[V]) Put(key SeriesKey, value V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.byKey[key]; ok {
		e.Value = memoEntry[V]{key, value}
		m.order.MoveToFront(e)
		return
	}
	m.byKey[key] = m.order.PushFront(memoEntry[V]{key, value})
	for m.order.Len() > m.max {
		last := m.order.Back()
		m.order.Remove(last)
		delete(m.byKey, last.Value.(memoEntry[V]).key)
	}
}
