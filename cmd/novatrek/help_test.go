package main

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples walks the whole command tree: every command, runnable or a
// parent of subcommands (not the cobra-generated help and completion), shows examples in its
// --help.
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			if sub.Example == "" {
				t.Errorf("%q has no Example in its --help", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(newRootCmd())
}
