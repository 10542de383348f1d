package valkeystream

import (
	"context"
	"fmt"
	"strings"

	"github.com/valkey-io/valkey-go"
)

// createGroup runs XGROUP CREATE topic group startID MKSTREAM; a group that exists is fine.
func createGroup(ctx context.Context, client valkey.Client, topic, group, startID string) error {
	cmd := client.B().XgroupCreate().Key(topic).Group(group).Id(startID).Mkstream().Build()
	if err := client.Do(ctx, cmd).Error(); err != nil && !isBusyGroup(err) {
		return fmt.Errorf("valkeystream: creating consumer group %s on %s: %w", group, topic, err)
	}
	return nil
}

// isBusyGroup reports the server's answer to creating a group that exists.
func isBusyGroup(err error) bool {
	ve, ok := valkey.IsValkeyErr(err)
	return ok && strings.HasPrefix(ve.Error(), "BUSYGROUP")
}

// isNoGroup reports the server's answer to reading through a group (or stream) that is gone.
func isNoGroup(err error) bool {
	ve, ok := valkey.IsValkeyErr(err)
	return ok && strings.HasPrefix(ve.Error(), "NOGROUP")
}
