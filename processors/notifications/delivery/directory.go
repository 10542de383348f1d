package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/novatrek/support/processors/notifications/provider"
)

// ErrUnknownRecipient is returned by a Directory that does not know a recipient or group;
// the notification then fails permanently (nobody to send to).
var ErrUnknownRecipient = errors.New("unknown recipient")

// Address is one destination on a channel.
type Address struct {
	// Member identifies the destination within a group, e.g. "STAFF:s-17"; for a single
	// recipient it is the recipient itself. It keys delivery_members.
	Member string
	// To is the address on the channel (email, E.164 phone, FCM token, in-app recipient id).
	To string
	// Name is a display name (email only); optional.
	Name string
}

// Directory resolves who a row goes to. It is consulted for "group:<name>" recipients and
// for rows stored without an address; rows with an address go there directly. In production
// it reads the people services; `novatrek dev` and the tests use a StaticDirectory.
type Directory interface {
	// Resolve returns the addresses of recipient (the row's recipient, e.g. "GUEST:g-1" or
	// "group:operations-staff") on channel. An error wrapping ErrUnknownRecipient is
	// permanent; any other error is retried.
	Resolve(ctx context.Context, recipient string, channel provider.Channel) ([]Address, error)
}

// Forgetter is a Directory that can drop an address the provider says no longer exists (an
// FCM token answered UNREGISTERED, provider.ErrAddressGone), so later notifications do not
// try it again. The delivery stage calls it after such a refusal; an error is logged only
// (the next refusal tries again).
type Forgetter interface {
	Forget(ctx context.Context, recipient string, channel provider.Channel, addr Address) error
}

// StaticDirectory is a Directory from a map: recipient → channel → addresses.
type StaticDirectory map[string]map[provider.Channel][]Address

// Resolve looks recipient up.
func (d StaticDirectory) Resolve(_ context.Context, recipient string, ch provider.Channel) ([]Address, error) {
	as := d[recipient][ch]
	if len(as) == 0 {
		return nil, fmt.Errorf("%w: %s on %s", ErrUnknownRecipient, recipient, ch)
	}
	return as, nil
}
