// Command novatrek is the one CLI of the NovaTrek support domain: the embedded dev stack,
// production service runs, topic and schema management, and migrations.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "novatrek",
		Short:         "Run and operate the NovaTrek support domain's stream processors",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(commands()...)
	return root
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	interrupted := ctx.Err() != nil
	stop()
	if code := processExit(err, interrupted); code != 0 {
		fmt.Fprintln(os.Stderr, "novatrek:", err)
		os.Exit(code)
	}
}

// processExit is the process's exit status: 0 for no error, and for the cancellation a
// Ctrl-C or SIGTERM asked for (interrupted): a command stopped as asked has not failed, and
// `make run` must not print "Error 1" after it. Otherwise exitStatus(err).
func processExit(err error, interrupted bool) int {
	if err == nil || (interrupted && errors.Is(err, context.Canceled)) {
		return 0
	}
	return exitStatus(err)
}

// exitStatus is 1 for every error, unless the error chooses its own status with an
// ExitStatus method: `groups list|describe|lag` exit 2 when a group is not OK.
func exitStatus(err error) int {
	var s interface{ ExitStatus() int }
	if errors.As(err, &s) {
		return s.ExitStatus()
	}
	return 1
}
