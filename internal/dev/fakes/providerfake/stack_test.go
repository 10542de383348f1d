package providerfake_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/fcm"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
)

// The dev stack: all three fakes on one listener, each client pointed at its prefix, the
// FCM client authenticating with the fake's service account.
func TestStackServesAllThreeClients(t *testing.T) {
	t.Parallel()
	srv, err := providerfake.Listen("127.0.0.1:0", providerfake.StackConfig{
		SendGrid: providerfake.SendGridConfig{APIKey: "SG.dev"},
		FCM:      providerfake.FCMConfig{AccessToken: "-"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	urls := srv.BaseURLs()

	sg, err := sendgrid.New(sendgrid.Config{BaseURL: urls.SendGrid, APIKey: provider.NewSecret("SG.dev"), From: "dev@novatrek.example"})
	if err != nil {
		t.Fatal(err)
	}
	tw, err := twilio.New(twilio.Config{BaseURL: urls.Twilio, AccountSID: srv.Twilio.AccountSID(),
		AuthToken: provider.NewSecret(srv.Twilio.AuthToken()), From: "+15005550006"})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := fcm.NewServiceAccountTokens(fcm.ServiceAccountConfig{CredentialsJSON: srv.FCM.ServiceAccountJSON(urls.FCMToken)})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := fcm.New(fcm.Config{BaseURL: urls.FCM, ProjectID: srv.FCM.ProjectID(), Tokens: sa})
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	for _, c := range []struct {
		s provider.Sender
		m provider.Message
	}{
		{sg, provider.Message{ID: "e-1", To: "ada@example.com", Subject: "Hi", Body: "Hello"}},
		{tw, provider.Message{ID: "s-1", To: "+14155550100", Body: "Hello"}},
		{fc, provider.Message{ID: "p-1", To: "device-token-1", Subject: "Hi", Body: "Hello"}},
	} {
		if _, err := c.s.Send(ctx, c.m); err != nil {
			t.Fatalf("%s: %v", c.s.Name(), err)
		}
	}
	// Without a StatusCallback, Twilio's API carries no ref: count by recipient.
	if srv.SendGrid.AcceptedRef("e-1") != 1 || srv.Twilio.AcceptedFor("+14155550100") != 1 || srv.FCM.AcceptedRef("p-1") != 1 {
		t.Fatal("each fake should have accepted its message once")
	}

	resp, err := http.Get(srv.URL + "/unknown/v1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown prefix answered %d", resp.StatusCode)
	}
}

// Close releases requests a hang holds (they proceed) instead of waiting for their
// clients to give up.
func TestServerCloseReleasesHangingRequests(t *testing.T) {
	t.Parallel()
	srv, err := providerfake.Listen("127.0.0.1:0", providerfake.StackConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Twilio.Hang(true)
	tw, _ := twilio.New(twilio.Config{BaseURL: srv.BaseURLs().Twilio, AccountSID: srv.Twilio.AccountSID(),
		AuthToken: provider.NewSecret(srv.Twilio.AuthToken()), From: "+15005550006", Timeout: time.Minute})
	done := make(chan error, 1)
	go func() {
		_, err := tw.Send(context.Background(), provider.Message{ID: "h", To: "+14155550100", Body: "x"})
		done <- err
	}()
	waitHeld(t, srv.Twilio, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("released request: %v", err)
	}
	if srv.Twilio.AcceptedTotal() != 1 {
		t.Fatal("the released request was not accepted")
	}
}

func TestRecorderCountsAndDuplicates(t *testing.T) {
	t.Parallel()
	fake := providerfake.NewTwilio(providerfake.TwilioConfig{})
	srv := newServer(t, fake)
	tw, _ := twilio.New(twilio.Config{BaseURL: srv, AccountSID: fake.AccountSID(),
		AuthToken: provider.NewSecret(fake.AuthToken()), From: "+15005550006", StatusCallback: "http://127.0.0.1:1/cb"})
	ctx := context.Background()

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := fmt.Sprintf("+1415555%04d", i%4)
			if _, err := tw.Send(ctx, provider.Message{ID: fmt.Sprintf("m-%d", i), To: to, Body: "x"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if fake.AcceptedTotal() != 20 || fake.CallCount() != 20 || fake.AcceptedFor("+14155550001") != 5 {
		t.Fatalf("total %d, calls %d, per recipient %d", fake.AcceptedTotal(), fake.CallCount(), fake.AcceptedFor("+14155550001"))
	}
	if d := fake.Duplicates(); len(d) != 0 {
		t.Fatalf("duplicates %v", d)
	}
	// A retry of an accepted message (the pipeline's bug, or an unknown outcome): the fake
	// sees it.
	if _, err := tw.Send(ctx, provider.Message{ID: "m-3", To: "+14155550003", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if d := fake.Duplicates(); len(d) != 1 || d[0] != "m-3" || fake.AcceptedRef("m-3") != 2 {
		t.Fatalf("duplicates %v", d)
	}
	calls := fake.Calls()
	if len(calls) != 21 || !calls[0].Accepted() || calls[0].ID == "" {
		t.Fatalf("calls %+v", calls[0])
	}
}

func TestFaultsSequence(t *testing.T) {
	t.Parallel()
	fake := providerfake.NewTwilio(providerfake.TwilioConfig{})
	srv := newServer(t, fake)
	tw, _ := twilio.New(twilio.Config{BaseURL: srv, AccountSID: fake.AccountSID(),
		AuthToken: provider.NewSecret(fake.AuthToken()), From: "+15005550006"})
	ctx := context.Background()
	send := func() error {
		_, err := tw.Send(ctx, provider.Message{ID: "m", To: "+14155550100", Body: "x"})
		return err
	}

	// An outage lasts until healed, whatever the number of calls.
	fake.StartOutage(http.StatusServiceUnavailable)
	for range 3 {
		if err := send(); provider.IsPermanent(err) || err == nil {
			t.Fatalf("during outage: %v", err)
		}
	}
	fake.Heal()
	if err := send(); err != nil {
		t.Fatalf("after heal: %v", err)
	}
	// FailNext counts down, then the rate limit, then success.
	fake.FailNext(2, http.StatusBadGateway)
	fake.RateLimitNext(1, time.Second)
	var faults []string
	for range 4 {
		_ = send()
	}
	for _, c := range fake.Calls()[4:] {
		faults = append(faults, c.Fault)
	}
	want := []string{providerfake.FaultFail, providerfake.FaultFail, providerfake.FaultRateLimit, providerfake.FaultNone}
	if fmt.Sprint(faults) != fmt.Sprint(want) {
		t.Fatalf("faults %v, want %v", faults, want)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	t.Parallel()
	fake := providerfake.NewTwilio(providerfake.TwilioConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := fake.Wait(ctx, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
