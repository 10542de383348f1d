package offsetreset

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
)

// LiveMembers names the group's live members: why a reset must wait.
func LiveMembers(group string, members []kadm.DescribedGroupMember) string {
	parts := make([]string, len(members))
	for i, m := range members {
		parts[i] = fmt.Sprintf("member %s (client id %s, host %s)", m.MemberID, m.ClientID, m.ClientHost)
	}
	return fmt.Sprintf("group %s has %d live member(s): %s; stop them before resetting", group, len(members), strings.Join(parts, "; "))
}
