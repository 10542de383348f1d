package devstack

import (
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
)

func TestFromConfig(t *testing.T) {
	c := config.FromEnv()
	c.KafkaBrokers = []string{"127.0.0.1:19092"}
	c.SchemaRegistryURL = "http://127.0.0.1:18081"
	c.HTTPAddr = "127.0.0.1:18080"
	dc, err := FromConfig(c, External{})
	if err != nil {
		t.Fatal(err)
	}
	if dc.KafkaAddr != "127.0.0.1:19092" || dc.RegistryAddr != "127.0.0.1:18081" || dc.HTTPAddr != "127.0.0.1:18080" {
		t.Errorf("FromConfig = %+v; want the stack to serve the configured addresses", dc)
	}

	for name, mutate := range map[string]func(*config.Config){
		"two brokers":         func(c *config.Config) { c.KafkaBrokers = []string{"127.0.0.1:1", "127.0.0.1:2"} },
		"https registry":      func(c *config.Config) { c.SchemaRegistryURL = "https://127.0.0.1:8081" },
		"registry under path": func(c *config.Config) { c.SchemaRegistryURL = "http://127.0.0.1:8081/sr" },
		"malformed setting":   func(c *config.Config) { c.DatabaseURL = "not a url" },
	} {
		t.Run(name, func(t *testing.T) {
			c := config.FromEnv()
			mutate(&c)
			_, err := FromConfig(c, External{})
			if err == nil || strings.Contains(err.Error(), "\n") {
				t.Fatalf("FromConfig = %v; want one line", err)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"kafka not on loopback", func(c *Config) { c.KafkaAddr = "0.0.0.0:9092" }, "127.0.0.1 only"},
		{"kafka without port", func(c *Config) { c.KafkaAddr = "127.0.0.1" }, "not host:port"},
		{"registry bad port", func(c *Config) { c.RegistryAddr = "127.0.0.1:http" }, "no valid port"},
		{"database url without host", func(c *Config) { c.DatabaseURL = "postgres:///x" }, "DatabaseURL"},
		{"unknown service", func(c *Config) { c.Services = []service.Definition{(&testService{name: "svc-unknown"}).spec()} }, "svc-unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			tt.mutate(&c)
			if err := c.setDefaults(); err != nil {
				t.Fatal(err)
			}
			err := c.validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validate = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("validate = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestFromConfigExternal: with --kafka external the seed brokers may be several and are the
// cluster's; with --schema-registry external the URL is used as given (https, a path).
func TestFromConfigExternal(t *testing.T) {
	c := config.FromEnv()
	c.KafkaBrokers = []string{"10.0.0.5:9092", "10.0.0.6:9092"}
	c.SchemaRegistryURL = "https://registry.example/sr"
	dc, err := FromConfig(c, External{Kafka: true, Registry: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(dc.ExternalBrokers) != 2 || dc.KafkaAddr != "" || dc.ExternalRegistryURL != c.SchemaRegistryURL || dc.RegistryAddr != "" {
		t.Errorf("FromConfig external = %+v; want the given cluster and registry, no embedded addresses", dc)
	}
}
