package valkeystream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/valkey-io/valkey-go"
)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Client sends the XADDs. Required. Close does not close it: the caller owns it.
	Client valkey.Client

	// MaxLen caps every stream at about this many entries (XADD MAXLEN ~ MaxLen): the oldest
	// entries go first, whether or not a group has read them, so size it well above the
	// largest backlog you expect. Default 0: streams are never trimmed by publishing.
	MaxLen int64

	// Marshaler turns a message into stream fields. Default DefaultMarshaler.
	Marshaler Marshaler
}

func (c *PublisherConfig) setDefaults() {
	if c.Marshaler == nil {
		c.Marshaler = DefaultMarshaler{}
	}
}

func (c *PublisherConfig) validate() error {
	if c.Client == nil {
		return errors.New("valkeystream: publisher config: Client is required")
	}
	if c.MaxLen < 0 {
		return fmt.Errorf("valkeystream: publisher config: MaxLen %d is negative", c.MaxLen)
	}
	return nil
}

// Publisher appends messages to Valkey streams. It is safe for concurrent use.
type Publisher struct {
	cfg    PublisherConfig
	logger watermill.LoggerAdapter
	closed atomic.Bool
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher returns a Publisher; a nil logger logs nothing.
func NewPublisher(cfg PublisherConfig, logger watermill.LoggerAdapter) (*Publisher, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	return &Publisher{cfg: cfg, logger: logger}, nil
}

// ErrPublisherClosed is returned by Publish after Close.
var ErrPublisherClosed = errors.New("valkeystream: publisher closed")

// Publish appends the messages to the stream named topic, in order, and returns once the
// server has stored them. Several messages go in one pipelined round trip; as with most
// Watermill publishers they are not atomic: on error some may be stored. Watermill's Publish
// takes no context, and its contract (pubsub/tests TestMessageCtx) is that a message's own
// context is not the publish's: a message whose handler context was cancelled must still be
// stored. So the first message's context lends its values (trace ids) but not its
// cancellation, and the client's timeouts bound the call. PublishContext takes a deadline.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return p.PublishContext(context.WithoutCancel(msgs[0].Context()), topic, msgs...)
}

// PublishContext is Publish with an explicit context.
func (p *Publisher) PublishContext(ctx context.Context, topic string, msgs ...*message.Message) error {
	if p.closed.Load() {
		return ErrPublisherClosed
	}
	if len(msgs) == 0 {
		return nil
	}
	cmds := make(valkey.Commands, 0, len(msgs))
	for _, msg := range msgs {
		cmd, err := p.xadd(topic, msg)
		if err != nil {
			return err
		}
		cmds = append(cmds, cmd)
	}
	for i, res := range p.cfg.Client.DoMulti(ctx, cmds...) {
		id, err := res.ToString()
		if err != nil {
			return fmt.Errorf("valkeystream: publishing message %s to %s: %w", msgs[i].UUID, topic, err)
		}
		p.logger.Trace("Message published", watermill.LogFields{"topic": topic, "message_uuid": msgs[i].UUID, "entry_id": id})
	}
	return nil
}

func (p *Publisher) xadd(topic string, msg *message.Message) (valkey.Completed, error) {
	fields, err := p.cfg.Marshaler.Marshal(topic, msg)
	if err != nil {
		return valkey.Completed{}, fmt.Errorf("valkeystream: marshaling message %s for %s: %w", msg.UUID, topic, err)
	}
	if len(fields) == 0 {
		return valkey.Completed{}, fmt.Errorf("valkeystream: marshaling message %s for %s: no fields", msg.UUID, topic)
	}
	args := make([]string, 0, 4+2*len(fields))
	if p.cfg.MaxLen > 0 {
		args = append(args, "MAXLEN", "~", strconv.FormatInt(p.cfg.MaxLen, 10))
	}
	args = append(args, "*")
	for _, f := range fields {
		args = append(args, f.Field, f.Value)
	}
	return p.cfg.Client.B().Arbitrary("XADD").Keys(topic).Args(args...).Build(), nil
}

// Close makes later Publish calls fail. It does not close the client.
func (p *Publisher) Close() error {
	p.closed.Store(true)
	return nil
}
