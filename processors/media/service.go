// Package media is svc-media-gallery (CAP-1.6, Trip Media and Memories): guests and guides
// upload trip photos and videos straight to S3 with presigned POST policies, the service
// makes a thumbnail, a preview and a blurhash placeholder when an upload lands, and only then
// emits media-asset.uploaded through the outbox. Albums group a trip's media; share links
// (expiring, revocable, optionally password-protected) hand out short-lived presigned GETs.
//
// Who may upload comes from reservation.status-changed: a guest of a CONFIRMED or COMPLETED
// reservation, for that reservation's trip. The object store is any S3 (S3_ENDPOINT,
// minio-go); the dev stack and the tests run a real S3 server that verifies signatures
// (internal/dev/fakes/s3fake, versitygw).
package media

import (
	"embed"
	"time"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
)

// ServiceName is the service's name in topics.yaml and its consumer group.
const ServiceName = "svc-media-gallery"

// Topics the service consumes and produces.
const (
	TopicReservationStatus = "novatrek.booking.reservation.status-changed"
	TopicAssetUploaded     = "novatrek.support.media-asset.uploaded"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed openapi.json
var openAPI []byte

// Spec is svc-media-gallery; cmd/novatrek/services.go lists it.
var Spec = &service.Spec[*app]{
	Name: ServiceName,
	Store: service.Store{Schema: "media", MaxConnsEnv: "MEDIA_DB_MAX_CONNS",
		Migrations: []migrate.Set{migrate.Dir("media", migrationFiles, "migrations")}},
	New:           newApp,
	Subscriptions: []service.Subscription[*app]{service.On(TopicReservationStatus, (*app).onReservationStatusChanged)},
	Produces:      []string{TopicAssetUploaded},
	Clients: []service.Client{
		// The object store. Reads of a 50 MB original take a while; 30 s per attempt.
		{Name: "s3", URLEnv: "S3_ENDPOINT", KeyEnv: "S3_ACCESS_KEY", Env: map[string]string{"secret": "S3_SECRET_KEY"},
			Timeout: 30 * time.Second, Fake: "s3", RequireEnv: "MEDIA_REQUIRE_S3"},
	},
	API: service.API[*app]{OpenAPI: openAPI, Routes: routes},
	Workers: []service.Worker[*app]{
		{Name: "upload sweep", Run: (*app).runSweep},
	},
	Checks: []service.ReadinessCheck[*app]{{Name: "s3", Probe: (*app).probeS3}},
}
