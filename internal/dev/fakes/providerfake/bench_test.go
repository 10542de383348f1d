package providerfake_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/fcm"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
)

// BenchmarkSendAt20ms measures each client against its fake answering in 20 ms (the
// providers' typical answer time), with many sends in flight as the delivery workers
// have: it shows the client side (connection reuse, encoding) is not the bottleneck of
// the ≥500 deliveries/s target.
func BenchmarkSendAt20ms(b *testing.B) {
	srv, err := providerfake.Listen("127.0.0.1:0", providerfake.StackConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close(context.Background()) })
	for _, f := range []interface{ SetLatency(time.Duration) }{srv.SendGrid, srv.Twilio, srv.FCM} {
		f.SetLatency(20 * time.Millisecond)
	}
	urls := srv.BaseURLs()
	sg, _ := sendgrid.New(sendgrid.Config{BaseURL: urls.SendGrid, APIKey: provider.NewSecret("SG.bench"), From: "b@novatrek.example"})
	tw, _ := twilio.New(twilio.Config{BaseURL: urls.Twilio, AccountSID: srv.Twilio.AccountSID(),
		AuthToken: provider.NewSecret(srv.Twilio.AuthToken()), From: "+15005550006"})
	fc, _ := fcm.New(fcm.Config{BaseURL: urls.FCM, ProjectID: srv.FCM.ProjectID(),
		Tokens: fcm.Static(provider.NewSecret(srv.FCM.AccessToken()))})

	for _, s := range []struct {
		sender provider.Sender
		to     string
	}{{sg, "guest@example.com"}, {tw, "+14155550100"}, {fc, "device-token"}} {
		b.Run(s.sender.Name(), func(b *testing.B) {
			b.SetParallelism(64)
			var n atomic.Int64
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					id := fmt.Sprintf("bench-%d", n.Add(1))
					if _, err := s.sender.Send(ctx, provider.Message{ID: id, To: s.to, Subject: "s", Body: "b"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "sends/s")
		})
	}
}
