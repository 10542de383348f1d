package devstack

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// TestFakesKeepTheirObjectsInTheDataDir: the S3 server the stack's Fakes start keeps its
// objects under <DataDir>/fakes, so an object uploaded before a restart is there after it
// (the media of `make run` survive `novatrek dev` stopping), and --reset removes them
// before the fakes start again (the bucket is gone, the new server runs on an empty dir).
func TestFakesKeepTheirObjectsInTheDataDir(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	s3 := service.Client{Name: "s3", URLEnv: "X_S3_ENDPOINT", KeyEnv: "X_S3_ACCESS_KEY", Env: map[string]string{fakes.RoleSecret: "X_S3_SECRET_KEY"}, Fake: "s3"}
	defs := []service.Definition{&service.Spec[struct{}]{Name: "svc-s3-user", Clients: []service.Client{s3}}}
	var bucket *minio.Client // the running server's client, signed with its credentials
	cfg.Fakes = func(ctx context.Context, dir string) (func(context.Context) error, error) {
		set, err := fakes.Provide(ctx, defs, func(string) string { return "" }, nil, fakes.Options{DataDir: dir}, slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, err
		}
		u, _ := url.Parse(set.Env["X_S3_ENDPOINT"])
		bucket, err = minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(set.Env["X_S3_ACCESS_KEY"], set.Env["X_S3_SECRET_KEY"], ""), BucketLookup: minio.BucketLookupPath})
		if err != nil {
			_ = set.Stop(ctx)
			return nil, err
		}
		return set.Stop, nil
	}
	start := func() *Stack {
		s, err := Start(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(context.Background()) })
		return s
	}
	ctx := t.Context()

	s := start()
	if err := bucket.MakeBucket(ctx, "media", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bucket.PutObject(ctx, "media", "trip/photo.jpg", strings.NewReader("jpeg bytes"), 10, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s = start()
	info, err := bucket.StatObject(ctx, "media", "trip/photo.jpg", minio.StatObjectOptions{})
	if err != nil || info.Size != 10 {
		t.Fatalf("after a restart the object is %+v (%v); want it kept, 10 bytes", info, err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	cfg.Reset = true
	start()
	ok, err := bucket.BucketExists(ctx, "media")
	if err != nil || ok {
		t.Fatalf("after --reset the bucket exists = %v (%v); want it removed with the data dir", ok, err)
	}
	if _, err := bucket.ListBuckets(ctx); err != nil {
		t.Errorf("the S3 server started after --reset does not answer: %v", err)
	}
}
