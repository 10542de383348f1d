package notifications

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/intake"
)

// groups are the "group:<name>" recipients the intake stores.
var groups = []intake.Source{intake.SourceOperationsStaff, intake.SourceSafetyOfficers,
	intake.SourceParkRangers, intake.SourceRescueTeam, intake.SourceActiveGuides}

// directorySetting declares NOTIFICATIONS_DIRECTORY_FILE as a setting the dev fakes fill:
// `novatrek dev`, `novatrek run` and the tests (fakes.Provide) write the dev staff directory
// ("staff-directory") and point the variable at it when it is unset.
var directorySetting = service.Setting{Env: "NOTIFICATIONS_DIRECTORY_FILE", Fake: "staff-directory"}

// loadDirectory reads the group directory from file. With file "" (only outside the dev
// tools, which fill it) the service still starts, as it does with a file lacking a group:
// one warning, and group notifications fail as "unknown recipient" in their delivery log,
// where an operator sees them, while everything addressed to people keeps working. A file
// that is missing or malformed stops startup.
func loadDirectory(file string, log *slog.Logger) (delivery.StaticDirectory, error) {
	if file == "" {
		log.Warn("NOTIFICATIONS_DIRECTORY_FILE is unset: staff groups have no members; their notifications fail as unknown recipient")
		return delivery.StaticDirectory{}, nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("notifications: read NOTIFICATIONS_DIRECTORY_FILE: %w", err)
	}
	var dir delivery.StaticDirectory
	if err := json.Unmarshal(raw, &dir); err != nil {
		return nil, fmt.Errorf("notifications: parse NOTIFICATIONS_DIRECTORY_FILE %s: %w", file, err)
	}
	for recipient, byChannel := range dir {
		for ch, addrs := range byChannel {
			for i, a := range addrs {
				if strings.TrimSpace(a.To) == "" {
					return nil, fmt.Errorf("notifications: NOTIFICATIONS_DIRECTORY_FILE: %s %s entry %d has no \"to\"", recipient, ch, i)
				}
				if a.Member == "" {
					addrs[i].Member = recipient
				}
			}
		}
	}
	for _, g := range groups {
		if len(dir[string(g)]) == 0 {
			log.Warn("NOTIFICATIONS_DIRECTORY_FILE has no members for a group the intake notifies", "group", string(g))
		}
	}
	return dir, nil
}
