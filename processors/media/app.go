package media

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/service"
)

// app is the service's state: its pool, the bucket, the knobs, and the gate that bounds
// renders in flight.
type app struct {
	env     service.Env
	db      *pgxpool.Pool
	cfg     config
	objects *objects
	// renders holds one token per render allowed at once (config.RenderConcurrency).
	renders chan struct{}
	// ffmpeg is the executable taking video poster frames; "" when there is none.
	ffmpeg string
	now    func() time.Time
}

func newApp(ctx context.Context, env service.Env) (*app, error) {
	var cfg config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	s3 := env.Client("s3")
	objs, err := newObjects(s3.BaseURL, s3.Key, env.Getenv("S3_SECRET_KEY"), cfg.Region, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env.Name, err)
	}
	if err := objs.ensureBucket(ctx, cfg.Region); err != nil {
		return nil, fmt.Errorf("%s: %w", env.Name, err)
	}
	ffmpeg, warning, err := findFFmpeg(cfg.FFmpeg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env.Name, err)
	}
	if warning != "" {
		env.Logger.WarnContext(ctx, warning)
	}
	return &app{env: env, db: env.DB, cfg: cfg, objects: objs, renders: make(chan struct{}, cfg.RenderConcurrency),
		ffmpeg: ffmpeg, now: env.Now}, nil
}

// probeS3 is the readiness check: the bucket answers.
func (a *app) probeS3(ctx context.Context) error {
	_, err := a.objects.c.BucketExists(ctx, a.objects.bucket)
	return err
}
