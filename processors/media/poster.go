package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png" // registers the PNG header reader: ffmpeg writes the frame as PNG
	"os/exec"
	"strings"
	"time"
)

// Poster states of a video (media_items.poster_state; photos have none).
const (
	posterReady = "ready" // a frame was taken: the thumbnail and preview show it
	posterNone  = "none"  // no ffmpeg here: the apps show a generic video tile
)

// posterAt is where the poster frame is taken: a second in, past the black first frame many
// cameras write; a shorter clip gets its first frame.
const posterAt = "1"

// posterTimeout bounds one ffmpeg run. ffmpeg reads the video through a presigned GET with
// range requests, so a long video costs a seek to its moov box and one frame, not a download.
const posterTimeout = 2 * time.Minute

// findFFmpeg resolves MEDIA_FFMPEG: "off" disables posters, unset looks for ffmpeg on PATH
// (absent: posters off, said once at start), a value given must be an executable, or the
// service does not start.
func findFFmpeg(setting string) (path string, warning string, err error) {
	switch setting {
	case "off":
		return "", "", nil
	case "":
		p, err := exec.LookPath("ffmpeg")
		if err != nil {
			return "", "no ffmpeg on PATH: videos become ready without a poster frame (poster_state none); scripts/setup installs it", nil
		}
		return p, "", nil
	}
	p, err := exec.LookPath(setting)
	if err != nil {
		return "", "", fmt.Errorf("MEDIA_FFMPEG %q: %w", setting, err)
	}
	return p, "", nil
}

// addPoster takes a poster frame of the video at key with ffmpeg and makes the thumbnail,
// the preview and the blurhash from it; the video's width and height are the frame's
// (ffmpeg applies the rotation a phone records). A video ffmpeg cannot decode is refused.
func (a *app) addPoster(ctx context.Context, key string, r *renditions) error {
	if a.ffmpeg == "" {
		return nil
	}
	src, err := a.objects.presignGet(ctx, key, posterTimeout)
	if err != nil {
		return err
	}
	frame, err := a.frame(ctx, src, posterAt)
	if err == nil && len(frame) == 0 { // shorter than posterAt
		frame, err = a.frame(ctx, src, "0")
	}
	if err != nil {
		return err
	}
	if len(frame) == 0 {
		return refuse("the video has no frame to show")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(frame))
	if err != nil {
		return refuse("ffmpeg's poster frame does not decode: %v", err)
	}
	if err := overLimit(cfg.Width, cfg.Height, a.cfg.MaxPixels); err != nil {
		return err
	}
	if err := r.fromPixels(frame, "poster frame"); err != nil {
		return err
	}
	r.width, r.height, r.posterState = cfg.Width, cfg.Height, posterReady
	return nil
}

// frame runs ffmpeg for one frame at offset seconds of the video at src, as PNG; empty when
// the video ends before offset.
func (a *app) frame(ctx context.Context, src, offset string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, posterTimeout)
	defer cancel()
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, a.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-ss", offset, "-i", src, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("ffmpeg poster frame: %w", ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		// The URL carries a signature: the reason names the failure, not the request.
		reason, _, _ := strings.Cut(strings.TrimSpace(strings.ReplaceAll(stderr.String(), src, "<video>")), "\n")
		return nil, refuse("the video does not decode: %s", reason)
	}
	if err != nil {
		return nil, fmt.Errorf("run ffmpeg: %w", err)
	}
	return out.Bytes(), nil
}
