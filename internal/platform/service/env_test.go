package service

import (
	"strings"
	"testing"
	"time"
)

// TestEnvOutboundBuildsTheDeclaredClient: the client carries the endpoint's URL, key,
// timeout and retries; an optional client without URL and a malformed URL are errors
// naming the client.
func TestEnvOutboundBuildsTheDeclaredClient(t *testing.T) {
	t.Parallel()
	env := Env{Name: "svc-x", Endpoints: map[string]*Endpoint{
		"gear": {Name: "gear", BaseURL: "http://127.0.0.1:1/svc-gear-inventory/", Key: "k", Timeout: 2 * time.Second, Retries: 1},
		"push": nil,
		"bad":  {Name: "bad", BaseURL: "ftp://x"},
	}}
	c, err := env.Outbound("gear")
	if err != nil || c.URL("/v1/items/A") != "http://127.0.0.1:1/svc-gear-inventory/v1/items/A" || c.Key != "k" ||
		c.Timeout != 2*time.Second || c.Retries != 1 {
		t.Fatalf("Outbound(gear) = %+v, %v", c, err)
	}
	for _, name := range []string{"push", "bad"} {
		if _, err := env.Outbound(name); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Outbound(%s) error %v does not name it", name, err)
		}
	}
}
