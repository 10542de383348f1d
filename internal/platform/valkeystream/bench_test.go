package valkeystream_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// BenchmarkPublish measures XADD throughput: one message per Publish call, and batches of 100
// pipelined in one call.
func BenchmarkPublish(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			valkeyURL(b)
			client := newClient(b)
			topic := newTopic(b, client)
			pub, err := valkeystream.NewPublisher(valkeystream.PublisherConfig{Client: client}, nil)
			if err != nil {
				b.Fatal(err)
			}
			msgs := make([]*message.Message, batch)
			b.ResetTimer()
			for sent := 0; sent < b.N; sent += batch {
				for i := range msgs {
					msgs[i] = message.NewMessage(watermill.NewUUID(), []byte("payload"))
				}
				if err := pub.Publish(topic, msgs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkPublishConsume measures end to end throughput: b.N messages published (batches of
// 100) while `consumers` subscriptions of one group receive and acknowledge them.
func BenchmarkPublishConsume(b *testing.B) {
	for _, consumers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("consumers=%d", consumers), func(b *testing.B) {
			valkeyURL(b)
			client := newClient(b)
			topic := newTopic(b, client)
			pub, err := valkeystream.NewPublisher(valkeystream.PublisherConfig{Client: client}, nil)
			if err != nil {
				b.Fatal(err)
			}
			sub, err := valkeystream.NewSubscriber(valkeystream.SubscriberConfig{Client: client, ConsumerGroup: "bench"}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer sub.Close()
			if err := sub.SubscribeInitialize(topic); err != nil {
				b.Fatal(err)
			}

			var received atomic.Int64
			done := make(chan struct{})
			var wg sync.WaitGroup
			for range consumers {
				ch, err := sub.Subscribe(b.Context(), topic)
				if err != nil {
					b.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for msg := range ch {
						msg.Ack()
						if received.Add(1) == int64(b.N) {
							close(done)
						}
					}
				}()
			}

			b.ResetTimer()
			go func() {
				msgs := make([]*message.Message, 0, 100)
				for sent := 0; sent < b.N; {
					msgs = msgs[:0]
					for ; len(msgs) < cap(msgs) && sent < b.N; sent++ {
						msgs = append(msgs, message.NewMessage(watermill.NewUUID(), []byte("payload")))
					}
					if err := pub.Publish(topic, msgs...); err != nil {
						b.Error(err)
						return
					}
				}
			}()
			<-done
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			_ = sub.Close()
			wg.Wait()
		})
	}
}
