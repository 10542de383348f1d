package main

import (
	"os/user"
	"testing"
)

// TestRedriveActorWithoutUSER: with $USER unset (containers, cron) a re-drive is recorded as
// the account the process runs as, instead of refusing to run.
func TestRedriveActorWithoutUSER(t *testing.T) {
	t.Setenv("USER", "")
	want := "unknown@"
	if u, err := user.Current(); err == nil && u.Username != "" {
		want = u.Username
	}
	if got := redriveActor(); got == "" || (want != "unknown@" && got != want) {
		t.Fatalf("actor without $USER = %q, want %q", got, want)
	}
	t.Setenv("USER", "oncall")
	if got := redriveActor(); got != "oncall" {
		t.Fatalf("actor with USER=oncall = %q", got)
	}
	if got := newDLQRedriveCmd().Flags().Lookup("by").DefValue; got != "oncall" {
		t.Fatalf("--by defaults to %q, want $USER", got)
	}
}
