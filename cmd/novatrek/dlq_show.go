package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/platform/topology"
)

func newDLQShowCmd() *cobra.Command {
	var f dlqFlags
	cmd := &cobra.Command{
		Use:   "show GROUP POSITION",
		Short: "Show one dead letter in full: headers, key and value decoded to JSON",
		Long: `show prints one dead letter of GROUP: where it came from, why and when it failed, every
header in order (the original record's, then the dlq.* ones the runtime added, then any
dlq.redrive.* ones from an earlier re-drive), the key, and the value decoded through the
schema registry with its own writer schema to JSON. A value that does not decode is printed as
base64 and a hex dump, with the decode error.

POSITION is PARTITION:OFFSET on the dead-letter topic (as 'dlq list' prints it), or OFFSET
alone when only one partition has that offset.`,
		Example: `  # The dead letter at offset 42 of partition 1
  novatrek dlq show svc-payments 1:42

  # Its value only, for jq
  novatrek dlq show svc-payments 1:42 -o json | jq .value.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			group := args[0]
			partition, offset, err := deadletter.ParsePosition(args[1])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			sd, err := f.serde()
			if err != nil {
				return err
			}
			letters, err := f.read(ctx, sd, group, deadletter.Filter{
				Offsets: deadletter.Ranges{{Partition: partition, From: offset, To: offset}},
			})
			if err != nil {
				return err
			}
			l, err := onlyLetter(letters, group, args[1])
			if err != nil {
				return err
			}
			dec, decErr := deadletter.Decode(ctx, sd, l.Value)
			sent := f.redriven(ctx, cmd.ErrOrStderr(), group)
			if f.output == "json" {
				return writeShowJSON(cmd.OutOrStdout(), l, sent, dec, decErr)
			}
			return writeShowText(cmd.OutOrStdout(), group, l, sent, dec, decErr)
		},
	}
	f.register(cmd.Flags())
	return cmd
}

func onlyLetter(letters []deadletter.Letter, group, pos string) (*deadletter.Letter, error) {
	switch len(letters) {
	case 0:
		return nil, fmt.Errorf("no dead letter at %s on %s (see: novatrek dlq list %s)", pos, topology.DeadLetterTopic(group), group)
	case 1:
		return &letters[0], nil
	}
	var at []string
	for _, l := range letters {
		at = append(at, fmt.Sprintf("%d:%d", l.At.Partition, l.At.Offset))
	}
	return nil, fmt.Errorf("offset %s is on several partitions of %s; name one of %s", pos, topology.DeadLetterTopic(group), strings.Join(at, ", "))
}

func writeShowText(w io.Writer, group string, l *deadletter.Letter, sent map[deadletter.Position]deadletter.Record, dec deadletter.Decoded, decErr error) error {
	fmt.Fprintf(w, "Dead letter %d:%d of %s (%s)\n\n", l.At.Partition, l.At.Offset, group, l.At.Topic)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Source:\t%s\n", sourceText(l))
	if !l.SourceTime.IsZero() {
		fmt.Fprintf(tw, "Source time:\t%s\n", l.SourceTime.UTC().Format(time.RFC3339Nano))
	}
	fmt.Fprintf(tw, "Group:\t%s\n", l.Group)
	fmt.Fprintf(tw, "Kind:\t%s\n", l.Kind)
	fmt.Fprintf(tw, "Reason:\t%s\n", l.Reason)
	fmt.Fprintf(tw, "Dead-lettered:\t%s\n", l.Time.UTC().Format(time.RFC3339Nano))
	if l.EventID != "" {
		fmt.Fprintf(tw, "Event id:\t%s\n", l.EventID)
	}
	if l.Redrives > 0 {
		fmt.Fprintf(tw, "Failed again after:\t%d re-drive(s), the last %s\n", l.Redrives, l.LastRedriveID)
	}
	if r, ok := sent[l.At]; ok {
		fmt.Fprintf(tw, "Re-driven:\t%s to %s by %s at %s (re-drive %s)\n", r.Status, r.Target, r.By, r.At.UTC().Format(time.RFC3339), r.RedriveID)
	}
	for _, p := range l.Problems {
		fmt.Fprintf(tw, "Problem:\t%s (cannot be re-driven)\n", p)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nHeaders (%d):\n", len(l.Headers))
	for _, h := range l.Headers {
		fmt.Fprintf(w, "  %s: %s\n", h.Key, bytesShown(h.Value))
	}
	fmt.Fprintf(w, "\nKey: %s\n", bytesShown(l.Key))
	if decErr != nil {
		fmt.Fprintf(w, "\nValue (%d bytes) does not decode: %v\nbase64: %s\n%s",
			len(l.Value), decErr, base64.StdEncoding.EncodeToString(l.Value), hex.Dump(l.Value))
		return nil
	}
	var body bytes.Buffer
	if err := json.Indent(&body, dec.JSON, "", "  "); err != nil {
		return fmt.Errorf("printing the value of %s as JSON: %w", l.At, err)
	}
	fmt.Fprintf(w, "\nValue (schema id %d, %s):\n%s\n", dec.SchemaID, dec.Schema, body.Bytes())
	return nil
}

// bytesShown is b quoted when it is printable UTF-8, else its hex form.
func bytesShown(b []byte) string {
	if b == nil {
		return "(null)"
	}
	if utf8.Valid(b) && strings.IndexFunc(string(b), func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return string(b)
	}
	return "0x" + hex.EncodeToString(b)
}

// showJSON is a dead letter as `dlq show -o json` prints it.
type showJSON struct {
	letterJSON
	Headers []headerJSON `json:"headers"`
	KeyB64  string       `json:"key_base64,omitempty"`
	Value   valueJSON    `json:"value"`
}

type headerJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	// Base64 is set (and Value empty) when the value is not UTF-8.
	Base64 string `json:"base64,omitempty"`
}

type valueJSON struct {
	SchemaID    int             `json:"schema_id,omitempty"`
	Schema      string          `json:"schema,omitempty"`
	JSON        json.RawMessage `json:"json,omitempty"`
	Base64      string          `json:"base64,omitempty"`
	DecodeError string          `json:"decode_error,omitempty"`
}

func writeShowJSON(w io.Writer, l *deadletter.Letter, sent map[deadletter.Position]deadletter.Record, dec deadletter.Decoded, decErr error) error {
	out := showJSON{letterJSON: toLetterJSON(l, sent), Headers: []headerJSON{}}
	for _, h := range l.Headers {
		if utf8.Valid(h.Value) {
			out.Headers = append(out.Headers, headerJSON{Key: h.Key, Value: string(h.Value)})
		} else {
			out.Headers = append(out.Headers, headerJSON{Key: h.Key, Base64: base64.StdEncoding.EncodeToString(h.Value)})
		}
	}
	if !utf8.Valid(l.Key) {
		out.KeyB64 = base64.StdEncoding.EncodeToString(l.Key)
	}
	out.Value = valueJSON{SchemaID: dec.SchemaID, Schema: dec.Schema, JSON: dec.JSON}
	if decErr != nil {
		out.Value.JSON = nil
		out.Value.Base64 = base64.StdEncoding.EncodeToString(l.Value)
		out.Value.DecodeError = decErr.Error()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
