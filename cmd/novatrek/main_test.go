package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestProcessExitAfterCtrlC: a command that stops because Ctrl-C or SIGTERM cancelled its
// context exits 0 (make run printed "Error 1" after a clean Ctrl-C); the same cancellation
// without a signal, and any other error, still fail.
func TestProcessExitAfterCtrlC(t *testing.T) {
	t.Parallel()
	cancelled := fmt.Errorf("consume: %w", context.Canceled)
	for _, tc := range []struct {
		err         error
		interrupted bool
		want        int
	}{
		{nil, false, 0},
		{cancelled, true, 0},
		{cancelled, false, 1},
		{errors.New("broker down"), true, 1},
		{groupsNotOKError{errGroupsNotOK}, false, exitGroupsNotOK},
	} {
		if got := processExit(tc.err, tc.interrupted); got != tc.want {
			t.Errorf("processExit(%v, interrupted %v) = %d, want %d", tc.err, tc.interrupted, got, tc.want)
		}
	}
}
