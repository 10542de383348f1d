package offsetreset

import "github.com/novatrek/support/internal/platform/service"

// ServiceOf returns the description of the service whose consumer group is group and keeps
// its offsets in PostgreSQL, or nil: such a group resumes from its stored offsets, which a
// reset moves with the Kafka ones.
func ServiceOf(defs []service.Definition, group string) *service.Description {
	for _, def := range defs {
		if d := def.Describe(); d.Name == group && d.Store.Schema != "" {
			return &d
		}
	}
	return nil
}
