package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// objects is the media bucket on any S3-compatible store, through minio-go.
type objects struct {
	c      *minio.Client
	bucket string
}

// uploadForm is a presigned POST: the URL and the form fields a browser or app posts with
// the file. S3 checks the policy they carry (key, content type, size range, expiry) and the
// signature over it, so a changed field is refused by S3, not by us.
type uploadForm struct {
	URL       string            `json:"url"`
	Fields    map[string]string `json:"fields"`
	ExpiresAt time.Time         `json:"expires_at"`
}

func newObjects(endpoint, access, secret, region, bucket string) (*objects, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("S3_ENDPOINT %q is not an http(s) URL such as https://s3.eu-west-1.amazonaws.com", endpoint)
	}
	if access == "" || secret == "" {
		return nil, errors.New("S3_ACCESS_KEY and S3_SECRET_KEY must both be set")
	}
	// Path-style addressing works on every S3 (AWS, MinIO, Ceph, versitygw) without a DNS
	// entry per bucket.
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""),
		Secure: u.Scheme == "https", Region: region, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("S3 client: %w", err)
	}
	return &objects{c: c, bucket: bucket}, nil
}

// ensureBucket creates the bucket when it does not exist (dev and tests start empty).
func (o *objects) ensureBucket(ctx context.Context, region string) error {
	ok, err := o.c.BucketExists(ctx, o.bucket)
	if err != nil {
		return fmt.Errorf("S3 bucket %s: %w", o.bucket, err)
	}
	if ok {
		return nil
	}
	err = o.c.MakeBucket(ctx, o.bucket, minio.MakeBucketOptions{Region: region})
	// Another instance starting at the same moment made it: as good as made here.
	if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create S3 bucket %s: %w", o.bucket, err)
	}
	return nil
}

// presignUpload binds one key, one content type and a size range to a POST that expires at
// expires.
func (o *objects) presignUpload(ctx context.Context, key, contentType string, maxBytes int64, expires time.Time) (*uploadForm, error) {
	p := minio.NewPostPolicy()
	for _, err := range []error{p.SetBucket(o.bucket), p.SetKey(key), p.SetContentType(contentType),
		p.SetContentLengthRange(1, maxBytes), p.SetExpires(expires)} {
		if err != nil {
			return nil, fmt.Errorf("upload policy: %w", err)
		}
	}
	u, fields, err := o.c.PresignedPostPolicy(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("presign upload: %w", err)
	}
	return &uploadForm{URL: u.String(), Fields: fields, ExpiresAt: expires.UTC()}, nil
}

// presignGet is a short-lived download URL of key.
func (o *objects) presignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	u, err := o.c.PresignedGetObject(ctx, o.bucket, key, ttl, nil)
	if err != nil {
		return "", fmt.Errorf("presign download: %w", err)
	}
	return u.String(), nil
}

// errNoObject says the upload has not landed.
var errNoObject = errors.New("no object")

// read returns the object's first prefix bytes (all of it when prefix is 0) and its size,
// refusing an object larger than limit (the policy's maximum: a larger one could only come
// from outside the policy). A video is sniffed from its first bytes, never held whole.
func (o *objects) read(ctx context.Context, key string, limit, prefix int64) ([]byte, int64, error) {
	obj, err := o.c.GetObject(ctx, o.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("get %s: %w", key, err)
	}
	defer obj.Close()
	st, err := obj.Stat()
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, 0, errNoObject
		}
		return nil, 0, fmt.Errorf("stat %s: %w", key, err)
	}
	if st.Size > limit {
		return nil, 0, fmt.Errorf("object %s is %d bytes, over its limit of %d", key, st.Size, limit)
	}
	n := limit + 1
	if prefix > 0 {
		n = prefix
	}
	b, err := io.ReadAll(io.LimitReader(obj, n))
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", key, err)
	}
	return b, st.Size, nil
}

// put writes a rendition.
func (o *objects) put(ctx context.Context, key, contentType string, b []byte) error {
	_, err := o.c.PutObject(ctx, o.bucket, key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// remove deletes the objects at keys; one already gone counts as removed (S3 answers a
// delete of a missing key with success).
func (o *objects) remove(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := o.c.RemoveObject(ctx, o.bucket, k, minio.RemoveObjectOptions{}); err != nil {
			return fmt.Errorf("remove %s: %w", k, err)
		}
	}
	return nil
}
