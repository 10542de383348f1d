package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Load fills the fields of the struct cfg points to from the variables getenv returns, so a
// service declares its knobs once, as a tagged struct, instead of writing a parser per
// variable:
//
//	type Config struct {
//		FraudBudget   time.Duration `env:"PAYMENTS_FRAUD_BUDGET" default:"1s"`
//		FraudAttempts int           `env:"PAYMENTS_FRAUD_ATTEMPTS" default:"2"`
//	}
//
// A variable that is unset or empty takes the field's default tag (none: the zero value).
// An integer's min tag raises its least value above 1 (a pool of `min:"2"` connections).
// Fields without an env tag are left alone, but for structs embedded without one, whose
// fields load as the outer struct's (settings declared beside the code they configure). Supported kinds: string, bool, int, int32,
// int64, time.Duration and []string (comma-separated, blanks dropped). Durations and
// integers must be positive: every such knob of ours is a size, a count or an interval,
// and a zero one would spin or block. Each malformed value is one line naming the variable
// and what it should be, `PAYMENTS_FRAUD_ATTEMPTS "x" is not a positive integer`; all of them
// are reported at once. Strings never fail, so a key or token is never echoed.
func Load(getenv func(string) string, cfg any) error {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Load needs a pointer to a struct, got %T", cfg)
	}
	errs := loadFields(getenv, v.Elem())
	if len(errs) == 0 {
		if v, ok := cfg.(Validator); ok {
			return v.Validate()
		}
	}
	return errors.Join(errs...)
}

// loadFields sets the tagged fields of the struct v, and those of the structs it embeds
// without a tag (a part of the settings declared beside the code it configures).
func loadFields(getenv func(string) string, v reflect.Value) []error {
	var errs []error
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, ok := f.Tag.Lookup("env")
		if !ok {
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				errs = append(errs, loadFields(getenv, v.Field(i))...)
			}
			continue
		}
		raw, def := getenv(name), f.Tag.Get("default")
		if strings.TrimSpace(raw) == "" {
			if def == "" {
				continue
			}
			raw = def
		}
		if err := setField(v.Field(i), name, raw, f.Tag.Get("min")); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Validator is a configuration that checks itself after loading (ranges, combinations of
// settings): Load calls Validate once every field has parsed, so a service's constructor
// gets a checked configuration from one call.
type Validator interface {
	Validate() error
}

var durationType = reflect.TypeFor[time.Duration]()

// setField parses raw into field; the error is the line Load reports for variable name.
// An integer field may carry a min tag: the least value it takes (default 1).
func setField(field reflect.Value, name, raw, minTag string) error {
	if !field.CanSet() {
		return fmt.Errorf("config: %s: the field it tags is unexported", name)
	}
	raw = strings.TrimSpace(raw)
	switch {
	case field.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s %q is not a positive duration such as 500ms", name, raw)
		}
		field.SetInt(int64(d))
	case field.Kind() == reflect.String:
		field.SetString(raw)
	case field.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%s %q is not true or false", name, raw)
		}
		field.SetBool(b)
	case field.Kind() == reflect.Int, field.Kind() == reflect.Int32, field.Kind() == reflect.Int64:
		least := int64(1)
		if minTag != "" {
			var err error
			if least, err = strconv.ParseInt(minTag, 10, 64); err != nil || least < 1 {
				return fmt.Errorf("config: %s: min tag %q is not a positive integer", name, minTag)
			}
		}
		n, err := strconv.ParseInt(raw, 10, field.Type().Bits())
		if err != nil || n < 1 {
			return fmt.Errorf("%s %q is not a positive integer", name, raw)
		}
		if n < least {
			return fmt.Errorf("%s %q must be at least %d", name, raw, least)
		}
		field.SetInt(n)
	case field.Kind() == reflect.Slice && field.Type().Elem().Kind() == reflect.String:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		field.Set(reflect.ValueOf(items).Convert(field.Type()))
	default:
		return fmt.Errorf("config: %s: fields of type %s cannot be loaded", name, field.Type())
	}
	return nil
}
