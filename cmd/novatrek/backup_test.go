package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestBackupAndRestoreRefuseWhatTheyCannotDo: an unknown service names the known ones, and a
// restore with no dump in the directory says how to make one, before touching a database.
func TestBackupAndRestoreRefuseWhatTheyCannotDo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "svc-nope", "--dir", dir}, `unknown service "svc-nope"; known services: svc-analytics`},
		{[]string{"restore", "svc-reviews", "--dir", dir}, "no dump of svc-reviews in " + dir + " (novatrek backup svc-reviews makes one)"},
		{[]string{"restore", "--dir", dir}, "accepts 1 arg(s)"},
	} {
		var out bytes.Buffer
		root := newRootCmd()
		root.SetArgs(tc.args)
		root.SetOut(&out)
		root.SetErr(&out)
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("novatrek %s: %v; want an error containing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
