package loyalty

import (
	"fmt"
	"net/url"
	"time"
)

// StoreConfig chooses the ledger's engine, embedded in Config (config.Load fills it).
type StoreConfig struct {
	// Store is "postgres" (the default, `make run`'s) or "couchbase" (the spec's store).
	Store string `env:"LOYALTY_STORE" default:"postgres"`
	// The Couchbase cluster of LOYALTY_STORE=couchbase, ignored by postgres: a connection
	// string couchbase://host[,host] (couchbases:// for TLS), the credentials apart (never
	// in the URL, which is logged), the bucket holding scope loyalty, and the bound of
	// connecting at start and of each transaction (its expiry).
	URL      string        `env:"COUCHBASE_URL"`
	Username string        `env:"COUCHBASE_USERNAME"`
	Password string        `env:"COUCHBASE_PASSWORD"`
	Bucket   string        `env:"COUCHBASE_BUCKET" default:"novatrek"`
	Timeout  time.Duration `env:"COUCHBASE_TIMEOUT" default:"15s"`
}

// validate checks the combination: couchbase needs every COUCHBASE_* setting it uses.
func (c *StoreConfig) validate() error {
	switch c.Store {
	case "postgres":
		return nil
	case "couchbase":
	default:
		return fmt.Errorf("loyalty: LOYALTY_STORE %q must be postgres or couchbase", c.Store)
	}
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return fmt.Errorf("loyalty: LOYALTY_STORE=couchbase needs COUCHBASE_URL (couchbase://host)")
	case err != nil || (u.Scheme != "couchbase" && u.Scheme != "couchbases") || u.Host == "":
		return fmt.Errorf("loyalty: COUCHBASE_URL must be couchbase://host or couchbases://host")
	case u.User != nil:
		return fmt.Errorf("loyalty: COUCHBASE_URL must not carry credentials; set COUCHBASE_USERNAME and COUCHBASE_PASSWORD")
	case c.Username == "" || c.Password == "":
		return fmt.Errorf("loyalty: LOYALTY_STORE=couchbase needs COUCHBASE_USERNAME and COUCHBASE_PASSWORD")
	}
	return nil
}
