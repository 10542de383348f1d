package streamtest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// SubscribesAsDeclared waits until group has a live member on env's cluster and fails the
// test unless the topics its members subscribe to, as the cluster reports them (the join
// metadata of each member), are exactly the topics topics.yaml declares group a consumer
// of. It judges the running service from the outside, so a handler that is declared but not
// built (or built but not declared) fails whatever the code claims about itself.
func SubscribesAsDeclared(t testing.TB, env *kafkatest.Env, group string) {
	t.Helper()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(env.Client(t))
	var subscribed []string
	Eventually(t, group+" has a live member", func() (bool, error) {
		described, err := adm.DescribeGroups(context.Background(), group)
		if err != nil {
			return false, err
		}
		d := described[group]
		if errors.Is(d.Err, kerr.GroupIDNotFound) || errors.Is(d.Err, kerr.CoordinatorLoadInProgress) {
			return false, nil
		}
		if d.Err != nil {
			return false, d.Err
		}
		subscribed = subscribed[:0]
		for _, m := range d.Members {
			if c, ok := m.Join.AsConsumer(); ok {
				subscribed = append(subscribed, c.Topics...)
			}
		}
		slices.Sort(subscribed)
		subscribed = slices.Compact(subscribed)
		return len(subscribed) > 0, nil
	})
	if err := topo.CheckRoles(group, subscribed, nil); err != nil {
		t.Errorf("the running %s subscribes to %q, not what topics.yaml declares:\n%v", group, subscribed, err)
	}
}
