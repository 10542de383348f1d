package service

import (
	"testing"
	"time"
)

// TestOutboundBuildsTheDeclaredClient: the client carries the endpoint's URL, key, timeout
// and retries; an Optional client without URL is nil; a bad URL is an error naming the client.
func TestOutboundBuildsTheDeclaredClient(t *testing.T) {
	env := Env{Name: "svc-x", Endpoints: map[string]*Endpoint{
		"api":  {Name: "api", BaseURL: "http://127.0.0.1:1/base/", Key: "k", Timeout: 3 * time.Second, Retries: 2},
		"push": nil,
		"bad":  {Name: "bad", BaseURL: "not a url"},
	}}
	c, err := env.Outbound("api")
	if err != nil {
		t.Fatal(err)
	}
	if c.URL("/v1/x") != "http://127.0.0.1:1/base/v1/x" || c.Key != "k" || c.Timeout != 3*time.Second || c.Retries != 2 {
		t.Errorf("client = %+v", c)
	}
	if c, err := env.Outbound("push"); c != nil || err != nil {
		t.Errorf("optional client without URL = %v, %v; want nil, nil", c, err)
	}
	if _, err := env.Outbound("bad"); err == nil {
		t.Error("a bad base URL built a client")
	}
}
