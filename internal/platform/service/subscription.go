package service

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
)

// Subscription binds one topic to a handler of S; stream.Handle or stream.HandleBatch runs
// it once S exists. Build it with On, OnBatch or Lift.
type Subscription[S any] struct {
	topic string
	bind  func(S) stream.Route
}

// Topic is the topic the subscription consumes.
func (s Subscription[S]) Topic() string { return s.topic }

// Route is the subscription bound to st: the stream route the runner gives the processor
// (a part's own tests bind its subscriptions with it).
func (s Subscription[S]) Route(st S) stream.Route { return s.bind(st) }

// On routes topic to h, once per new event inside the batch's transaction (stream.Handle):
// service.On(TopicReservationStatus, (*app).onReservationStatusChanged).
func On[S, T any, P stream.Message[T]](topic string, h func(S, context.Context, pgx.Tx, stream.Event[T]) error) Subscription[S] {
	return Subscription[S]{topic: topic, bind: func(s S) stream.Route {
		return stream.Handle[T, P](topic, func(ctx context.Context, tx pgx.Tx, ev stream.Event[T]) error { return h(s, ctx, tx, ev) })
	}}
}

// OnBatch routes topic to h, once per transaction with the batch's new events
// (stream.HandleBatch: the fast path for projections).
func OnBatch[S, T any, P stream.Message[T]](topic string, h func(S, context.Context, pgx.Tx, []stream.Event[T]) error) Subscription[S] {
	return Subscription[S]{topic: topic, bind: func(s S) stream.Route {
		return stream.HandleBatch[T, P](topic, func(ctx context.Context, tx pgx.Tx, evs []stream.Event[T]) error { return h(s, ctx, tx, evs) })
	}}
}

// Lift turns the subscriptions of a part of S (a package with its own state, such as
// notifications' intake) into subscriptions of S, given how to reach the part.
func Lift[S, T any](part func(S) T, subs ...Subscription[T]) []Subscription[S] {
	out := make([]Subscription[S], len(subs))
	for i, sub := range subs {
		out[i] = Subscription[S]{topic: sub.topic, bind: func(s S) stream.Route { return sub.bind(part(s)) }}
	}
	return out
}

// ConsumePolicy is the batch and retry policy of a service's subscriptions; zero fields
// take the stream runtime's defaults (500 records a batch, 5 attempts, a 7-day inbox).
// Poison always goes to the group's dead-letter topic.
type ConsumePolicy struct {
	MaxBatchRecords int
	Linger          time.Duration
	MaxAttempts     int
	InboxRetention  time.Duration
}
