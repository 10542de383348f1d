package console

import (
	"bytes"
	"encoding/json"

	"github.com/novatrek/support/internal/ops/deadletter"
)

// keyText is a key as the CLI prints it: text when UTF-8, else "0x..." (deadletter's rule).
func keyText(k []byte) string { return (&deadletter.Letter{Key: k}).KeyText() }

// indentJSON is raw JSON indented for a <pre>, or as it is when it does not parse.
func indentJSON(raw []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}
