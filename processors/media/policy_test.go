package media

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestS3RefusesUploadsThatBreakThePolicy: the real S3 server, not our code, refuses a POST
// whose signature was tampered with, whose content type or key differs from the signed
// policy, whose file is over the size range, or whose policy expired; and nothing lands
// (complete answers upload-missing).
func TestS3RefusesUploadsThatBreakThePolicy(t *testing.T) {
	t.Parallel()
	// Photos up to 4 KiB, so "oversize" is a small file.
	svc := start(t, servicetest.WithEnv("MEDIA_MAX_PHOTO_BYTES", "4096"))
	res := booked(svc, "policy", "CONFIRMED")
	small := photo(t, 16, 16)
	if len(small) > 4096 {
		t.Fatalf("the small photo is %d bytes", len(small))
	}
	flip := func(s string) string {
		last := s[len(s)-1]
		if last == '0' {
			return s[:len(s)-1] + "1"
		}
		return s[:len(s)-1] + "0"
	}
	for _, c := range []struct {
		name     string
		override func(fields map[string]string) map[string]string
		file     []byte
		code     string // what S3 answers
	}{
		{"tampered signature", func(f map[string]string) map[string]string {
			return map[string]string{"x-amz-signature": flip(f["x-amz-signature"])}
		}, small, "SignatureDoesNotMatch"},
		{"wrong content type", func(map[string]string) map[string]string { return map[string]string{"Content-Type": "text/html"} }, small, "AccessDenied"},
		{"another key", func(map[string]string) map[string]string {
			return map[string]string{"key": "originals/someone-else.jpg"}
		}, small, "AccessDenied"},
		{"oversize", func(map[string]string) map[string]string { return nil }, photo(t, 400, 400), "EntityTooLarge"},
	} {
		g := grant(t, svc, res, "image/jpeg")
		status, body := postToS3(t, g.Upload, c.override(g.Upload.Fields), c.file)
		if status/100 == 2 || s3Code(body) != c.code {
			t.Errorf("%s: S3 answered %d %s; want its refusal %s", c.name, status, s3Code(body), c.code)
		}
		if r := svc.Call(CallerApp, "POST", "/v1/media/"+g.AssetID+"/complete", nil); r.Status != http.StatusConflict ||
			!strings.Contains(string(r.Body), "upload-missing") {
			t.Errorf("%s: complete = %d %s; want 409 upload-missing", c.name, r.Status, r.Body)
		}
	}
}

// TestS3RefusesAnExpiredPolicy: a policy signed to expire in the past (the service's clock
// an hour behind) is refused by S3.
func TestS3RefusesAnExpiredPolicy(t *testing.T) {
	t.Parallel()
	past := func() time.Time { return time.Now().Add(-time.Hour) }
	svc := start(t, servicetest.WithClock(past))
	res := booked(svc, "expired", "CONFIRMED")
	g := grant(t, svc, res, "image/jpeg")
	if !g.Upload.ExpiresAt.Before(time.Now()) {
		t.Fatalf("policy expires at %s, not in the past", g.Upload.ExpiresAt)
	}
	if status, body := postToS3(t, g.Upload, nil, photo(t, 16, 16)); status != http.StatusForbidden || s3Code(body) != "AccessDenied" {
		t.Errorf("S3 answered an expired policy %d %s; want 403 AccessDenied", status, s3Code(body))
	}
}

// s3Code is the <Code> of an S3 error body.
func s3Code(body string) string {
	_, rest, _ := strings.Cut(body, "<Code>")
	code, _, _ := strings.Cut(rest, "</Code>")
	return code
}
