package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/novatrek/support/processors/payments"
)

// TestPITRFlagMistakesAreOneLine: a flag missing or given where it means nothing is refused
// with one line naming it, before anything is read or written.
func TestPITRFlagMistakesAreOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"restore", payments.ServiceName, "--pgdata", filepath.Join(dir, "data")},
			"restore --pgdata needs --to-time: the RFC 3339 time"},
		{[]string{"backup", payments.ServiceName, "--base", "--rman-level", "0"},
			"backup --base takes a pg_basebackup of svc-payments' cluster: --rman-level is for svc-analytics' RMAN backup"},
	} {
		root := newRootCmd()
		var out bytes.Buffer
		root.SetArgs(append(c.args, "--dir", dir))
		root.SetOut(&out)
		root.SetErr(&out)
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("novatrek %s: %v; want one line %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
