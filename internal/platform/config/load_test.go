package config_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/config"
)

type knobs struct {
	URL      string        `env:"T_URL"`
	Budget   time.Duration `env:"T_BUDGET" default:"1s"`
	Attempts int           `env:"T_ATTEMPTS" default:"2"`
	Conns    int32         `env:"T_CONNS"`
	Require  bool          `env:"T_REQUIRE"`
	Callers  []string      `env:"T_CALLERS"`
	Untagged string
}

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestLoadReadsVariablesAndDefaults(t *testing.T) {
	t.Parallel()
	var k knobs
	k.Untagged = "kept"
	err := config.Load(env(map[string]string{"T_URL": "http://psp", "T_ATTEMPTS": "3", "T_CONNS": "8",
		"T_REQUIRE": "true", "T_CALLERS": " a, ,b ", "T_BUDGET": " "}), &k)
	if err != nil {
		t.Fatal(err)
	}
	want := knobs{URL: "http://psp", Budget: time.Second, Attempts: 3, Conns: 8, Require: true,
		Callers: []string{"a", "b"}, Untagged: "kept"}
	if k.URL != want.URL || k.Budget != want.Budget || k.Attempts != want.Attempts || k.Conns != want.Conns ||
		k.Require != want.Require || !slices.Equal(k.Callers, want.Callers) || k.Untagged != want.Untagged {
		t.Errorf("Load = %+v\nwant  %+v", k, want)
	}
}

func TestLoadReportsEveryMalformedValueOnItsOwnLine(t *testing.T) {
	t.Parallel()
	var k knobs
	err := config.Load(env(map[string]string{"T_BUDGET": "soon", "T_ATTEMPTS": "0", "T_CONNS": "9999999999",
		"T_REQUIRE": "yes please"}), &k)
	if err == nil {
		t.Fatal("Load accepted malformed values")
	}
	want := []string{
		`T_BUDGET "soon" is not a positive duration such as 500ms`,
		`T_ATTEMPTS "0" is not a positive integer`,
		`T_CONNS "9999999999" is not a positive integer`,
		`T_REQUIRE "yes please" is not true or false`,
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("Load error lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadRefusesWhatItCannotFill(t *testing.T) {
	t.Parallel()
	var notStruct int
	if err := config.Load(env(nil), &notStruct); err == nil || !strings.Contains(err.Error(), "pointer to a struct, got *int") {
		t.Errorf("Load(*int) = %v", err)
	}
	var odd struct {
		Ratio float64 `env:"T_RATIO" default:"0.5"`
	}
	if err := config.Load(env(nil), &odd); err == nil || err.Error() != "config: T_RATIO: fields of type float64 cannot be loaded" {
		t.Errorf("Load(float64 field) = %v", err)
	}
	var bad struct {
		Poll time.Duration `env:"T_POLL" default:"often"`
	}
	if err := config.Load(env(nil), &bad); err == nil || err.Error() != `T_POLL "often" is not a positive duration such as 500ms` {
		t.Errorf("Load with a malformed default = %v", err)
	}
}

// TestLoadMinTag: an integer's min tag is its least value, said in the variable's line; a
// malformed min tag is the programmer's error, named as such.
func TestLoadMinTag(t *testing.T) {
	t.Parallel()
	var pool struct {
		Conns int32 `env:"T_POOL" default:"16" min:"2"`
	}
	if err := config.Load(env(nil), &pool); err != nil || pool.Conns != 16 {
		t.Fatalf("Load with the default = %d, %v", pool.Conns, err)
	}
	if err := config.Load(env(map[string]string{"T_POOL": "2"}), &pool); err != nil || pool.Conns != 2 {
		t.Fatalf("Load of the least value = %d, %v", pool.Conns, err)
	}
	if err := config.Load(env(map[string]string{"T_POOL": "1"}), &pool); err == nil || err.Error() != `T_POOL "1" must be at least 2` {
		t.Errorf("Load below min = %v", err)
	}
	var odd struct {
		N int `env:"T_N" default:"3" min:"two"`
	}
	if err := config.Load(env(nil), &odd); err == nil || err.Error() != `config: T_N: min tag "two" is not a positive integer` {
		t.Errorf("Load with a malformed min tag = %v", err)
	}
}

// window is a configuration that checks a combination Load cannot: From before To.
type window struct {
	From int `env:"T_FROM" default:"1"`
	To   int `env:"T_TO" default:"2"`
}

func (w *window) Validate() error {
	if w.From >= w.To {
		return fmt.Errorf("T_FROM %d must be below T_TO %d", w.From, w.To)
	}
	return nil
}

// TestLoadCallsValidate: a configuration with Validate is checked once its fields parse,
// so a constructor gets a checked configuration from one call; a field that does not parse
// is reported without a Validate on half-loaded values.
func TestLoadCallsValidate(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	var ok window
	if err := config.Load(env(nil), &ok); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	var bad window
	if err := config.Load(env(map[string]string{"T_FROM": "5"}), &bad); err == nil || !strings.Contains(err.Error(), "T_FROM 5 must be below T_TO 2") {
		t.Fatalf("From after To: %v, want Validate's error", err)
	}
	var unparsed window
	if err := config.Load(env(map[string]string{"T_FROM": "x", "T_TO": "0"}), &unparsed); err == nil || strings.Contains(err.Error(), "must be below") {
		t.Fatalf("unparsable T_FROM: %v, want the parse error alone", err)
	}
}

// embeddedPart is a part of a service's settings declared in the file of the code it
// configures, and embedded in the service's Config.
type embeddedPart struct {
	URL     string        `env:"T_PART_URL" default:"x://default"`
	Timeout time.Duration `env:"T_PART_TIMEOUT"`
}

// TestLoadFillsEmbeddedStructs: the fields of a struct embedded without a tag load as the
// outer struct's, defaults and malformed values alike; a named struct field stays alone.
func TestLoadFillsEmbeddedStructs(t *testing.T) {
	var c struct {
		Name string `env:"T_NAME"`
		embeddedPart
		Other embeddedPart
	}
	env := map[string]string{"T_NAME": "n", "T_PART_TIMEOUT": "3s"}
	if err := config.Load(func(k string) string { return env[k] }, &c); err != nil {
		t.Fatal(err)
	}
	if c.Name != "n" || c.URL != "x://default" || c.Timeout != 3*time.Second || c.Other.URL != "" {
		t.Errorf("loaded %+v", c)
	}
	env["T_PART_TIMEOUT"] = "soon"
	if err := config.Load(func(k string) string { return env[k] }, &c); err == nil || !strings.Contains(err.Error(), "T_PART_TIMEOUT") {
		t.Errorf("a malformed embedded field: %v, want its variable named", err)
	}
}
