package valkeystream

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Subscriber reads Valkey streams through a consumer group. Each Subscribe call runs its own
// consumer and goroutine; Close stops them all and waits for them.
type Subscriber struct {
	cfg    SubscriberConfig
	logger watermill.LoggerAdapter

	// ctx is cancelled by Close; every subscription's context derives from it too.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup

	seq atomic.Int64 // numbers the subscriptions' consumer names
}

var (
	_ message.Subscriber           = (*Subscriber)(nil)
	_ message.SubscribeInitializer = (*Subscriber)(nil)
)

// NewSubscriber returns a Subscriber; a nil logger logs nothing.
func NewSubscriber(cfg SubscriberConfig, logger watermill.LoggerAdapter) (*Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Subscriber{cfg: cfg, logger: logger, ctx: ctx, cancel: cancel}, nil
}

// ErrSubscriberClosed is returned by Subscribe after Close.
var ErrSubscriberClosed = errors.New("valkeystream: subscriber closed")

// Subscribe creates the consumer group on the stream topic when it is missing and returns the
// channel of its messages: one at a time, the next only after the previous one's Ack (or the
// same one again after its Nack). The subscription reads as its own consumer,
// "<Consumer>-<n>", in its own goroutine, so subscriptions never wait for each other; call
// Subscribe several times (or give a Router several handlers) to handle a topic in parallel.
// The channel closes when ctx is done or the Subscriber closes.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrSubscriberClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()

	if err := s.createGroup(ctx, topic); err != nil {
		s.wg.Done()
		return nil, err
	}

	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	c := &consumer{
		cfg:    &s.cfg,
		client: s.cfg.Client,
		topic:  topic,
		name:   s.cfg.Consumer + "-" + strconv.FormatInt(s.seq.Add(1), 10),
		out:    make(chan *message.Message),
	}
	c.logger = s.logger.With(watermill.LogFields{"topic": topic, "consumer_group": s.cfg.ConsumerGroup, "consumer": c.name})
	c.logger.Info("Subscribing to Valkey stream", nil)

	go func() {
		defer s.wg.Done()
		defer close(c.out)
		defer stop()
		defer cancel()
		c.run(ctx)
		c.leave()
		c.logger.Debug("Subscription stopped", nil)
	}()
	return c.out, nil
}

// SubscribeInitialize creates the consumer group (and the stream) for topic when missing, so
// that messages published before the first Subscribe are kept for the group.
func (s *Subscriber) SubscribeInitialize(topic string) error {
	return s.createGroup(s.ctx, topic)
}

func (s *Subscriber) createGroup(ctx context.Context, topic string) error {
	return createGroup(ctx, s.cfg.Client, topic, s.cfg.ConsumerGroup, s.cfg.StartID)
}

// Close stops every subscription, closing their channels, and waits for them. Each
// subscription leaves the group: messages out for handling and not acknowledged are handed
// back (HandBackConsumer), so the next claim round of any consumer takes them at once, and its
// consumer name is removed (XGROUP DELCONSUMER). Close does not close the client.
func (s *Subscriber) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}
