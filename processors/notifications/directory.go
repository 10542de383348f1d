package notifications

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
)

// groups are the "group:<name>" recipients the intake stores.
var groups = []intake.Source{intake.SourceOperationsStaff, intake.SourceSafetyOfficers,
	intake.SourceParkRangers, intake.SourceRescueTeam, intake.SourceActiveGuides}

// loadDirectory reads the directory from file, or returns devDirectory with a warning when
// file is "". A file that lacks one of the intake's groups is accepted with a warning: its
// notifications fail as "unknown recipient".
func loadDirectory(file string, log *slog.Logger) (delivery.StaticDirectory, error) {
	if file == "" {
		log.Warn("NOTIFICATIONS_DIRECTORY_FILE is unset: group notifications go to built-in fake staff addresses (dev only)")
		return devDirectory(), nil
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

// devDirectory gives every group two fake members on every channel, addresses the fake
// providers accept (example.com, the 555-01xx fiction range, fake device tokens).
func devDirectory() delivery.StaticDirectory {
	dir := delivery.StaticDirectory{}
	for gi, g := range groups {
		name := strings.TrimPrefix(string(g), "group:")
		byChannel := map[provider.Channel][]delivery.Address{}
		for m := 1; m <= 2; m++ {
			member := fmt.Sprintf("STAFF:%s-%d", name, m)
			byChannel[provider.Email] = append(byChannel[provider.Email],
				delivery.Address{Member: member, To: fmt.Sprintf("%s-%d@staff.novatrek.example", name, m), Name: fmt.Sprintf("%s %d", name, m)})
			byChannel[provider.SMS] = append(byChannel[provider.SMS],
				delivery.Address{Member: member, To: fmt.Sprintf("+1555010%d%d", gi, m)})
			byChannel[provider.Push] = append(byChannel[provider.Push],
				delivery.Address{Member: member, To: fmt.Sprintf("fake-device-token-%s-%d", name, m)})
			byChannel[provider.InApp] = append(byChannel[provider.InApp],
				delivery.Address{Member: member, To: member})
		}
		dir[string(g)] = byChannel
	}
	return dir
}
