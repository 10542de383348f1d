package fakes_test

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
)

// TestProvideStartsARealS3 starts the "s3" fake for a client naming it: the client's
// variables get its URL, access key and secret, its buckets live under the DataDir, a
// request signed with them is served, and one signed with a wrong secret is refused by the
// server (it verifies SigV4). Stop ends the server.
func TestProvideStartsARealS3(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := service.Client{Name: "s3", URLEnv: "X_S3_ENDPOINT", KeyEnv: "X_S3_ACCESS_KEY", Env: map[string]string{fakes.RoleSecret: "X_S3_SECRET_KEY"}, Fake: "s3"}
	set, err := fakes.Provide(context.Background(), []service.Definition{spec("svc-a", c)}, func(string) string { return "" }, nil,
		fakes.Options{DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = set.Stop(context.Background())
		}
	})
	env := set.Env
	if set.S3() == nil || env["X_S3_ENDPOINT"] != set.S3().URL || env["X_S3_ACCESS_KEY"] == "" || env["X_S3_SECRET_KEY"] == "" {
		t.Fatalf("overlay %v does not point at the S3 server", env)
	}
	client := func(secret string) *minio.Client {
		u, _ := url.Parse(env["X_S3_ENDPOINT"])
		m, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(env["X_S3_ACCESS_KEY"], secret, ""), BucketLookup: minio.BucketLookupPath})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ctx := context.Background()
	if err := client(env["X_S3_SECRET_KEY"]).MakeBucket(ctx, "photos", minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket with the right secret: %v", err)
	}
	if _, err := client(env["X_S3_SECRET_KEY"]).PutObject(ctx, "photos", "a.txt", strings.NewReader("hi"), 2, minio.PutObjectOptions{}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "s3", "photos", "a.txt")); err != nil {
		t.Errorf("the object is not under the data dir: %v", err)
	}
	_, err = client("wrong-secret").ListBuckets(ctx)
	if code := minio.ToErrorResponse(err).Code; code != "SignatureDoesNotMatch" {
		t.Errorf("a wrong secret: %v (code %q); want SignatureDoesNotMatch", err, code)
	}
	if err := set.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if _, err := client(env["X_S3_SECRET_KEY"]).ListBuckets(ctx); err == nil {
		t.Error("the S3 server still answers after Stop")
	}
}
