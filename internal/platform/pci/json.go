package pci

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// ScanJSON walks a JSON document and returns the path of the first string or number value,
// or object key, that holds a card number (ValueHoldsPAN: a value that is wholly a hex token
// is an identifier), "" and false when none does. Paths are dotted, e.g. "metadata.note" or "items.2.label"; a key holding a card number is written as
// RedactedKey, so the path can be shown to the client. A document that is not valid JSON is scanned as
// text (path "$body"), so a malformed body cannot smuggle a card number past the check.
func ScanJSON(data []byte) (path string, found bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return "", false
		}
		if err != nil {
			if ContainsPAN(string(data)) {
				return "$body", true
			}
			return "", false
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) > 0 {
					stack[len(stack)-1].advance()
				}
				stack = append(stack, frame{array: v == '[', index: -1})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			top := len(stack) - 1
			if top >= 0 && !stack[top].array && !stack[top].haveKey {
				stack[top].key, stack[top].haveKey = v, true
				if ValueHoldsPAN(v) {
					return pathOf(stack), true
				}
				continue
			}
			if top >= 0 {
				stack[top].advance()
			}
			if ValueHoldsPAN(v) {
				return pathOf(stack), true
			}
		case json.Number:
			if len(stack) > 0 {
				stack[len(stack)-1].advance()
			}
			if ContainsPAN(string(v)) {
				return pathOf(stack), true
			}
		default: // bool, nil
			if len(stack) > 0 {
				stack[len(stack)-1].advance()
			}
		}
	}
}

// RedactedKey stands for an object key holding a card number in the paths ScanJSON returns.
const RedactedKey = "[card number]"

// frame is one open object or array of the walk.
type frame struct {
	array   bool
	index   int    // array: index of the current element
	key     string // object: key of the current member
	haveKey bool   // object: key read, value pending
}

// advance records that a value was read in this container.
func (f *frame) advance() {
	if f.array {
		f.index++
		return
	}
	f.haveKey = false
}

func pathOf(stack []frame) string {
	var b strings.Builder
	for i, f := range stack {
		if i > 0 {
			b.WriteByte('.')
		}
		if f.array {
			b.WriteString(strconv.Itoa(max(f.index, 0)))
		} else if ContainsPAN(f.key) {
			b.WriteString(RedactedKey) // the path is echoed to the client: never the key itself
		} else {
			b.WriteString(f.key)
		}
	}
	if b.Len() == 0 {
		return "$body"
	}
	return b.String()
}
