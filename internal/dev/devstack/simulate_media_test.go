package devstack

import (
	"os"
	"testing"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/media"
)

// TestSimulatedGuestsUploadPhotos: a stack running the real svc-media-gallery on the real
// S3 server with the simulator gets photos from the guests of completed trips: each asked
// for a presigned upload, posted a generated JPEG to S3 with the policy's form and said it
// landed, so ready items with a thumbnail, a preview and a blurhash appear (what make run
// shows), and no call of the guest app fails.
func TestSimulatedGuestsUploadPhotos(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	cfg.Services = []service.Definition{media.Spec}
	cfg.SimulateRate, cfg.SimulateSeed = 100, "devstack-media"
	s := startSimulated(t, cfg, os.Getenv, nil)
	streamtest.Eventually(t, "two ready photos with renditions", func() (bool, error) {
		var n int
		err := s.DB().QueryRow(ctx, `SELECT count(*) FROM media.media_items WHERE state = 'ready' AND media_type = 'PHOTO'
			AND thumbnail_key IS NOT NULL AND preview_key IS NOT NULL AND blurhash IS NOT NULL AND width = 640 AND height = 480`).Scan(&n)
		return n >= 2, err
	})
	var failed int
	if err := s.DB().QueryRow(ctx, `SELECT count(*) FROM media.media_items WHERE state = 'failed'`).Scan(&failed); err != nil || failed != 0 {
		t.Errorf("%d failed media items (%v); want none", failed, err)
	}
	results := callResults(t, s)
	if results["guest-app error"] > 0 || results["guest-app ok"] == 0 {
		t.Errorf("guest-app calls: %v; want some ok and none failed", results)
	}
}
