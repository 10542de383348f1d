package media

import "time"

// config is the service's knobs (see README "Configuration"). The sizes bound what S3
// accepts (the POST policy's content-length-range) and what the renderer will decode.
type config struct {
	Bucket      string        `env:"S3_BUCKET" default:"novatrek-media"`
	Region      string        `env:"S3_REGION" default:"us-east-1"`
	UploadTTL   time.Duration `env:"MEDIA_UPLOAD_TTL" default:"15m"`
	DownloadTTL time.Duration `env:"MEDIA_DOWNLOAD_TTL" default:"5m"`
	// 50 MiB covers a 100-megapixel JPEG; 2 GiB about ten minutes of 4K video.
	MaxPhotoBytes int64 `env:"MEDIA_MAX_PHOTO_BYTES" default:"52428800"`
	MaxVideoBytes int64 `env:"MEDIA_MAX_VIDEO_BYTES" default:"2147483648"`
	// MaxPixels refuses image bombs before decoding: 50 MP holds every phone camera, and a
	// decoded image costs 4 bytes a pixel (200 MB at the limit).
	MaxPixels int64 `env:"MEDIA_MAX_PIXELS" default:"50000000"`
	// RenderConcurrency bounds decodes in flight, and so the process's memory: 20 uploads
	// landing at once wait their turn instead of holding 20 decoded images.
	RenderConcurrency int           `env:"MEDIA_RENDER_CONCURRENCY" default:"2"`
	SweepInterval     time.Duration `env:"MEDIA_SWEEP_INTERVAL" default:"1m"`
	// SweepAge is how long an upload may stay pending before the sweep looks for its object:
	// longer than a client takes to call complete after its POST.
	SweepAge time.Duration `env:"MEDIA_SWEEP_AGE" default:"2m"`
	// FFmpeg takes the poster frames of videos: unset, ffmpeg on PATH (none: no posters);
	// "off", none; else the executable to run.
	FFmpeg string `env:"MEDIA_FFMPEG"`
	// ShareLinkMaxTTL caps a share link's life.
	ShareLinkMaxTTL time.Duration `env:"MEDIA_SHARE_LINK_MAX_TTL" default:"720h"`
}
