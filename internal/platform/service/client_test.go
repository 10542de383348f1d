package service_test

import (
	"testing"

	"github.com/novatrek/support/internal/platform/service"
)

// TestResolveClientsRequires: a client's URL without a variable it Requires is refused,
// naming both; an Optional client without URL resolves to nil whatever it requires.
func TestResolveClientsRequires(t *testing.T) {
	d := service.Description{Name: "svc-x", Clients: []service.Client{
		{Name: "mail", URLEnv: "X_MAIL_URL", KeyEnv: "X_MAIL_KEY", Requires: []string{"X_MAIL_KEY"}},
		{Name: "push", URLEnv: "X_PUSH_URL", Requires: []string{"X_PUSH_KEY"}, Optional: true},
	}}
	vars := map[string]string{"X_MAIL_URL": "https://mail.example"}
	getenv := func(k string) string { return vars[k] }
	if _, err := d.ResolveClients(getenv); err == nil || err.Error() != "service svc-x: client mail: X_MAIL_KEY is required with X_MAIL_URL" {
		t.Fatalf("ResolveClients without the key = %v", err)
	}
	vars["X_MAIL_KEY"] = "k"
	eps, err := d.ResolveClients(getenv)
	if err != nil || eps["mail"] == nil || eps["mail"].Key != "k" || eps["push"] != nil {
		t.Fatalf("ResolveClients = %v, %v; want mail with its key and no push", eps, err)
	}
}
