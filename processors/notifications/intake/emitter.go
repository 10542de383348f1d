package intake

import (
	"time"

	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// Emitter publishes the service's delivery status events through its outbox, inside the
// caller's transaction; the intake, the delivery stage and the provider callbacks share one.
type Emitter = outbox.Emitter[pgoutbox.Execer]

// NewEmitter returns the Emitter of svc-notifications: producer Group, the one topic
// StatusTopic (checked against topics.yaml t; nil: the embedded one), encoding with enc into Schema's outbox, and
// stamping occurred_at with now (time.Now when nil). It is the one place the service builds
// its emitter, until the runner hands it one.
func NewEmitter(t *topology.Topology, enc outbox.Encoder, now func() time.Time) (*Emitter, error) {
	if t == nil {
		var err error
		if t, err = topology.Default(); err != nil {
			return nil, err
		}
	}
	ob, err := pgoutbox.New(Schema)
	if err != nil {
		return nil, err
	}
	return outbox.NewEmitter(outbox.EmitterConfig[pgoutbox.Execer]{Producer: Group, Topics: []string{StatusTopic},
		Topology: t, Encoder: enc, Outbox: ob, Now: now})
}
