package fakes

import (
	"context"
	"os"
	"path/filepath"

	"github.com/novatrek/support/internal/dev/fakes/s3fake"
)

// RoleSecret is the S3 secret access key a client gets beside its access key (RoleKey).
const RoleSecret = "secret"

// s3Stack is the "s3" fake: a real S3 server (s3fake, versitygw) with its buckets under
// Options.DataDir/s3, kept across restarts; without a DataDir, a temporary directory removed
// at stop.
type s3Stack struct {
	srv *s3fake.Server
	tmp string
}

func startS3(o Options) (stack, error) {
	dir, tmp := o.DataDir, ""
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "novatrek-s3-"); err != nil {
			return nil, err
		}
		tmp = dir
	}
	srv, err := s3fake.Start(filepath.Join(dir, "s3"))
	if err != nil {
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
		return nil, err
	}
	return &s3Stack{srv: srv, tmp: tmp}, nil
}

func (s *s3Stack) values(string) map[string]string {
	return map[string]string{RoleURL: s.srv.URL, RoleKey: s.srv.AccessKey, RoleSecret: s.srv.SecretKey}
}

func (s *s3Stack) stop(ctx context.Context) error {
	err := s.srv.Stop(ctx)
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
	}
	return err
}

// S3 is the running S3 server, for a test that talks to it directly (a tampered upload);
// nil when Provide started none.
func (s *Set) S3() *s3fake.Server {
	if st, ok := s.stacks["s3"].(*s3Stack); ok {
		return st.srv
	}
	return nil
}
