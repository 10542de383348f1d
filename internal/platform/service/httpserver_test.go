package service_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/service"
)

// TestShutdownIgnoresConnectionsThatNeverCarriedARequest: a client's spare connection,
// dialed and parked without a request, does not make a stop fail (net/http counts it busy
// for 5 seconds), while a request still running when the bound passes does.
func TestShutdownIgnoresConnectionsThatNeverCarriedARequest(t *testing.T) {
	t.Parallel()
	srv, err := service.ListenHTTP("127.0.0.1:0", http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	spare, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	time.Sleep(50 * time.Millisecond) // accepted: the server tracks it as new
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a spare connection = %v; want a clean stop", err)
	}

	release := make(chan struct{})
	started := make(chan struct{})
	slow, err := service.ListenHTTP("127.0.0.1:0", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(started)
		<-release
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer close(release)
	go func() {
		if resp, err := http.Get("http://" + slow.Addr()); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if err := slow.Shutdown(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a request in progress = %v; want the deadline", err)
	}
}
