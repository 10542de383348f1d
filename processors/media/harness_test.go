package media

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// start runs the service as `novatrek run` would, with the real S3 server (the "s3" fake,
// versitygw) and every response checked against openapi.json.
func start(t *testing.T, opts ...servicetest.Option) *servicetest.Service[*app] {
	t.Helper()
	base := []servicetest.Option{servicetest.WithOpenAPICheck(), servicetest.WithTokens(map[string]string{
		CallerApp: servicetest.Token(CallerApp), CallerAnalytics: servicetest.Token(CallerAnalytics),
		CallerModeration: servicetest.Token(CallerModeration), "svc-reservations": servicetest.Token("svc-reservations")})}
	return servicetest.Start(t, Spec, append(base, opts...)...)
}

// s3Env starts a real S3 server for a test that binds the Spec without servicetest.Start
// (Conformance), and returns the variables pointing at it.
func s3Env(t *testing.T) []string {
	t.Helper()
	set, err := fakes.Provide(context.Background(), []service.Definition{Spec}, func(string) string { return "" }, nil,
		fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	var kv []string
	for k, v := range set.Env {
		kv = append(kv, k, v)
	}
	return kv
}

// statusEvent is a reservation.status-changed, its ids derived from name.
func statusEvent(name, status string, at time.Time) *schemas.ReservationStatusChanged {
	id := func(part string) string {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte("media/"+part+"/"+name)).String()
	}
	return &schemas.ReservationStatusChanged{Metadata: schemas.EventMetadata{EventID: id("event/" + status), EventType: "reservation.status_changed",
		OccurredAt: at.UTC().Truncate(time.Millisecond), Producer: "svc-reservations", CorrelationID: id("correlation")},
		ReservationID: id("reservation"), GuestID: id("guest"), TripID: "TRIP-" + name[:min(len(name), 8)],
		DepartureDate: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), PreviousStatus: "PENDING", NewStatus: status}
}

// booked publishes a reservation of name in status and waits until it is applied.
func booked(svc *servicetest.Service[*app], name, status string) *schemas.ReservationStatusChanged {
	ev := statusEvent(name, status, time.Now())
	svc.Publish(TopicReservationStatus, ev.ReservationID, ev)
	svc.AwaitApplied(ev.Metadata.EventID)
	return ev
}

// grant asks for an upload of contentType for the guest of res; it fails the test unless 201.
func grant(t *testing.T, svc *servicetest.Service[*app], res *schemas.ReservationStatusChanged, contentType string) uploadGrant {
	t.Helper()
	r := svc.Call(CallerApp, "POST", "/v1/uploads", map[string]any{"reservation_id": res.ReservationID,
		"uploaded_by": res.GuestID, "uploader_type": "GUEST", "content_type": contentType})
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /v1/uploads = %d %s", r.Status, r.Body)
	}
	var g uploadGrant
	r.JSON(t, &g)
	return g
}

// postToS3 sends file with the form's fields, as a browser would, changing the fields in
// override first (a tampered form). It returns S3's status and body.
func postToS3(t *testing.T, form *uploadForm, override map[string]string, file []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fields := map[string]string{}
	for k, v := range form.Fields {
		fields[k] = v
	}
	for k, v := range override {
		fields[k] = v
	}
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "upload.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(file)
	_ = w.Close()
	resp, err := http.Post(form.URL, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatalf("POST to S3: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// uploaded grants, uploads file to S3 and completes it, returning the complete's answer.
func uploaded(t *testing.T, svc *servicetest.Service[*app], res *schemas.ReservationStatusChanged, contentType string, file []byte) (uploadGrant, *servicetest.Response) {
	t.Helper()
	g := grant(t, svc, res, contentType)
	if status, body := postToS3(t, g.Upload, nil, file); status/100 != 2 {
		t.Fatalf("S3 refused a valid upload: %d %s", status, body)
	}
	return g, svc.Call(CallerApp, "POST", "/v1/media/"+g.AssetID+"/complete", nil)
}

// get fetches url (a presigned GET) and returns status and body.
func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// conformanceFixture feeds reservation.status-changed; the effect is the reservation's
// applied-changes count, which a second apply of one event would raise to 2.
func conformanceFixture(t *testing.T) servicetest.Fixture {
	var mu sync.Mutex
	reservationOf := map[string]string{} // event id -> reservation id
	ev := func(name, trip string) streamtest.Event {
		e := statusEvent(name, "CONFIRMED", time.Now())
		if trip == "" {
			e.TripID = ""
		}
		mu.Lock()
		reservationOf[e.Metadata.EventID] = e.ReservationID
		mu.Unlock()
		return streamtest.Event{Key: e.ReservationID, EventID: e.Metadata.EventID, Schema: e.Schema(), Value: e}
	}
	return servicetest.Fixture{
		Input:   TopicReservationStatus,
		Valid:   func(i int) streamtest.Event { return ev(fmt.Sprint("valid-", i), "trip") },
		Failing: func(i int) streamtest.Event { return ev(fmt.Sprint("failing-", i), "") },
		Silent:  true,
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			mu.Lock()
			res := reservationOf[eventID]
			mu.Unlock()
			var n int
			err := db.QueryRow(ctx, `SELECT COALESCE(sum(changes), 0) FROM media.reservations WHERE reservation_id = $1`, res).Scan(&n)
			return n, err
		},
		Options: []servicetest.Option{servicetest.WithEnv(s3Env(t)...)},
	}
}
