package config

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestNoPasswordInHelpOrErrors: a password in DATABASE_URL or VALKEY_URL shows up neither in
// the flag defaults --help prints nor in a validation error.
func TestNoPasswordInHelpOrErrors(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://app:s3cretpw@db.example:5432/novatrek")
	t.Setenv("VALKEY_URL", "redis://:s3cretpw@cache.example:6379/0")
	cfg := FromEnv()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	cfg.Flags(fs)
	if usage := fs.FlagUsages(); strings.Contains(usage, "s3cretpw") || !strings.Contains(usage, "app:xxxxx@db.example") {
		t.Errorf("flag usage shows the password or hides the URL:\n%s", usage)
	}
	if cfg.DatabaseURL != "postgres://app:s3cretpw@db.example:5432/novatrek" {
		t.Errorf("the setting itself changed: %s", cfg.DatabaseURL)
	}

	for _, bad := range []Config{
		{KafkaBrokers: []string{"k:9092"}, SchemaRegistryURL: "http://r:8081", DatabaseURL: "mysql://app:s3cretpw@db/x", ValkeyURL: "redis://v:6379", DataDir: "d", HTTPAddr: ":1"},
		{KafkaBrokers: []string{"k:9092"}, SchemaRegistryURL: "http://r:8081", DatabaseURL: "postgres://app:s3cretpw@/x", ValkeyURL: "redis://v:6379", DataDir: "d", HTTPAddr: ":1"},
		{KafkaBrokers: []string{"k:9092"}, SchemaRegistryURL: "http://r:8081", DatabaseURL: "postgres://db/x", ValkeyURL: "ftp://:s3cretpw@v:6379", DataDir: "d", HTTPAddr: ":1"},
	} {
		err := bad.Validate()
		if err == nil {
			t.Fatalf("%+v: want an error", bad)
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
