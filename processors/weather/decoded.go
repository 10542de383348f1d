package weather

import (
	"encoding/json"
	"sync"
)

// decoded keeps, per Valkey key, the last value read or written and the entry decoded from
// it, so that a hot cell is decoded once per value rather than once per request: valkey-go's
// client-side cache hands back the same string for as long as the server has not
// invalidated the key, and comparing a string with itself stops at its pointer (after this
// instance's own write the kept copy is another string of the same bytes: comparing them
// costs a byte scan, still far below a JSON decode). A new value (any
// instance wrote the key) simply decodes anew. An entry taken from here is shared by every
// request reading it, so it is never modified; what the API derives from it is computed
// once per entry (entry.encoded).
type decoded struct {
	mu sync.RWMutex
	m  map[string]decodedValue
}

type decodedValue struct {
	raw string
	e   *entry
}

// maxDecoded bounds the keys kept: a day's reads touch a few hundred cells, and forgetting
// them all when the bound is reached costs one decode per cell.
const maxDecoded = 4096

func newDecoded() *decoded { return &decoded{m: map[string]decodedValue{}} }

// get returns the entry of key's value raw, decoding it only when raw is not the value
// last seen for key.
func (d *decoded) get(key, raw string) (*entry, error) {
	d.mu.RLock()
	v, ok := d.m[key]
	d.mu.RUnlock()
	if ok && v.raw == raw {
		return v.e, nil
	}
	e := new(entry)
	if err := json.Unmarshal([]byte(raw), e); err != nil {
		return nil, err
	}
	d.put(key, raw, e)
	return e, nil
}

// put records that key holds raw, the encoding of e.
func (d *decoded) put(key, raw string, e *entry) {
	d.mu.Lock()
	if len(d.m) >= maxDecoded {
		clear(d.m)
	}
	d.m[key] = decodedValue{raw: raw, e: e}
	d.mu.Unlock()
}
