package valkeystream_test

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// A delivery worker with a priority lane: emergencies and routine notifications are separate
// topics, each with its own handler and so its own subscription, consumer and blocking read.
// A backlog of routine jobs never sits in front of an emergency.
func Example_priorityLane() {
	ctx := context.Background()
	client, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{"127.0.0.1:6380"}, DisableCache: true})
	if err != nil {
		slog.Error("connecting to Valkey", "err", err)
		return
	}
	defer client.Close()
	logger := watermill.NewSlogLogger(slog.Default())

	sub, err := valkeystream.NewSubscriber(valkeystream.SubscriberConfig{
		Client:        client,
		ConsumerGroup: "svc-notifications",
	}, logger)
	if err != nil {
		slog.Error("configuring the subscriber", "err", err)
		return
	}
	router, err := message.NewRouter(message.RouterConfig{}, logger)
	if err != nil {
		slog.Error("configuring the router", "err", err)
		return
	}
	deliver := func(msg *message.Message) error { return nil } // call the provider here
	router.AddNoPublisherHandler("deliver-emergency", "notifications.jobs.emergency", sub, deliver)
	router.AddNoPublisherHandler("deliver-routine", "notifications.jobs.routine", sub, deliver)
	if err := router.Run(ctx); err != nil {
		slog.Error("running the delivery router", "err", err)
	}
}
