package config_test

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/novatrek/support/internal/platform/config"
)

// compose.kafka.yml cannot be started here (no Docker engine), so these tests hold it to the
// defaults in code instead: a user who runs it gets a stack that `novatrek` finds with no
// configuration at all.

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Ports       []string          `yaml:"ports"`
	Environment map[string]string `yaml:"environment"`
}

// publishedPort is one short-syntax port mapping: [ip:]host[-host]:container[-container][/proto].
type publishedPort struct {
	ip           string
	hostLo       int
	hostHi       int
	containerLow int
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "compose.kafka.yml"))
	if err != nil {
		t.Fatalf("reading compose.kafka.yml: %v", err)
	}
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("parsing compose.kafka.yml: %v", err)
	}
	return f
}

func (f composeFile) service(t *testing.T, name string) composeService {
	t.Helper()
	s, ok := f.Services[name]
	if !ok {
		t.Fatalf("compose.kafka.yml has no service %q", name)
	}
	return s
}

func parsePort(t *testing.T, spec string) publishedPort {
	t.Helper()
	spec, _, _ = strings.Cut(spec, "/")
	parts := strings.Split(spec, ":")
	if len(parts) < 2 {
		t.Fatalf("port %q publishes nothing on the host", spec)
	}
	var p publishedPort
	p.ip = strings.Join(parts[:len(parts)-2], ":")
	p.hostLo, p.hostHi = parseRange(t, parts[len(parts)-2])
	p.containerLow, _ = parseRange(t, parts[len(parts)-1])
	return p
}

func parseRange(t *testing.T, s string) (lo, hi int) {
	t.Helper()
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(a)
	if err != nil {
		t.Fatalf("port %q: %v", s, err)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil {
			t.Fatalf("port %q: %v", s, err)
		}
	}
	return lo, hi
}

// requirePublished fails unless the service publishes port on host (an empty ip in compose
// means every interface, which includes host).
func requirePublished(t *testing.T, f composeFile, svc, host string, port int) {
	t.Helper()
	for _, spec := range f.service(t, svc).Ports {
		p := parsePort(t, spec)
		if port >= p.hostLo && port <= p.hostHi && (p.ip == "" || p.ip == host) {
			return
		}
	}
	t.Errorf("service %q does not publish %s:%d; ports: %q", svc, host, port, f.service(t, svc).Ports)
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("default %q: %v", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("default %q: %v", addr, err)
	}
	return h, n
}

func urlHostPort(t *testing.T, raw string) (*url.URL, string, int) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("default %q: %v", raw, err)
	}
	h, p := hostPort(t, u.Host)
	return u, h, p
}

func TestComposeHasEveryStore(t *testing.T) {
	f := loadCompose(t)
	for _, name := range []string{"kafka", "schema-registry", "postgis", "valkey", "couchbase", "oracle", "minio"} {
		if _, ok := f.Services[name]; !ok {
			t.Errorf("compose.kafka.yml has no service %q", name)
		}
	}
}

func TestComposeImagesArePinned(t *testing.T) {
	f := loadCompose(t)
	for name, s := range f.Services {
		if strings.Contains(s.Image, "@sha256:") {
			continue
		}
		ref := s.Image[strings.LastIndex(s.Image, "/")+1:]
		_, tag, ok := strings.Cut(ref, ":")
		if s.Image == "" || !ok || tag == "" || tag == "latest" {
			t.Errorf("service %q: image %q is not pinned to a version", name, s.Image)
		}
	}
}

func TestComposeKafkaMatchesDefaultBrokers(t *testing.T) {
	f := loadCompose(t)
	host, port := hostPort(t, config.DefaultKafkaBrokers)
	requirePublished(t, f, "kafka", host, port)
	// Clients connect to what the broker advertises, not to the seed address.
	adv := f.service(t, "kafka").Environment["KAFKA_ADVERTISED_LISTENERS"]
	if !strings.Contains(adv, "://"+config.DefaultKafkaBrokers) {
		t.Errorf("KAFKA_ADVERTISED_LISTENERS %q does not advertise %s to the host", adv, config.DefaultKafkaBrokers)
	}
}

func TestComposeRegistryMatchesDefaultURL(t *testing.T) {
	f := loadCompose(t)
	_, host, port := urlHostPort(t, config.DefaultSchemaRegistryURL)
	requirePublished(t, f, "schema-registry", host, port)
}

func TestComposePostgresMatchesDefaultURL(t *testing.T) {
	f := loadCompose(t)
	u, host, port := urlHostPort(t, config.DefaultDatabaseURL)
	requirePublished(t, f, "postgis", host, port)

	env := f.service(t, "postgis").Environment
	if db, want := env["POSTGRES_DB"], strings.TrimPrefix(u.Path, "/"); db != want {
		t.Errorf("POSTGRES_DB = %q; DATABASE_URL default names database %q", db, want)
	}
	user := env["POSTGRES_USER"]
	if user == "" {
		user = "postgres" // the image's default
	}
	if want := u.User.Username(); user != want {
		t.Errorf("POSTGRES_USER = %q; DATABASE_URL default logs in as %q", user, want)
	}
	if pw, ok := u.User.Password(); ok {
		if env["POSTGRES_PASSWORD"] != pw {
			t.Errorf("POSTGRES_PASSWORD does not match the DATABASE_URL default's password")
		}
	} else if env["POSTGRES_HOST_AUTH_METHOD"] != "trust" {
		t.Errorf("DATABASE_URL default has no password, so POSTGRES_HOST_AUTH_METHOD must be trust; got %q", env["POSTGRES_HOST_AUTH_METHOD"])
	}
}

func TestComposeValkeyMatchesDefaultURL(t *testing.T) {
	f := loadCompose(t)
	_, host, port := urlHostPort(t, config.DefaultValkeyURL)
	requirePublished(t, f, "valkey", host, port)
}

// The stores without a default in code publish the ports their clients and the README use.
func TestComposeOtherStoresPublishTheirPorts(t *testing.T) {
	f := loadCompose(t)
	for _, c := range []struct {
		svc   string
		ports []int
	}{
		{"couchbase", []int{8091, 8092, 8093, 8094, 8095, 8096, 8097, 11210}},
		{"oracle", []int{1521}},
		{"minio", []int{9000, 9001}},
	} {
		for _, p := range c.ports {
			requirePublished(t, f, c.svc, "127.0.0.1", p)
		}
	}
}
