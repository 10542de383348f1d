package main

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/processors/payments"
)

// legacyClients are the outbound clients of the services that are not Specs yet, declared
// here so that dev and run start the fakes they need (fakes.Provide) and the services find
// their URLs set instead of starting fakes themselves. WP5/WP6 move each list into its
// service's Spec and delete this table (svc-notifications' Spec declares its own).
var legacyClients = map[string][]service.Client{
	payments.ServiceName: {
		{Name: "psp", URLEnv: "PAYMENTS_PSP_URL", KeyEnv: "PAYMENTS_PSP_API_KEY", Fake: "psp", RequireEnv: "PAYMENTS_REQUIRE_PROVIDERS"},
		{Name: "fraud", URLEnv: "PAYMENTS_FRAUD_URL", KeyEnv: "PAYMENTS_FRAUD_API_KEY", Fake: "fraud", RequireEnv: "PAYMENTS_REQUIRE_PROVIDERS"},
	},
}

// declared is a legacy definition with the clients of legacyClients in its description.
type declared struct {
	service.Definition
	clients []service.Client
}

func (d declared) Describe() service.Description {
	desc := d.Definition.Describe()
	desc.Clients = append(desc.Clients, d.clients...)
	return desc
}

// clientDefinitions are the definitions of names (every service when empty) with their
// clients, what fakes.Provide reads.
func clientDefinitions(names ...string) []service.Definition {
	var defs []service.Definition
	for _, def := range services() {
		name := def.Describe().Name
		if len(names) == 0 || slices.Contains(names, name) {
			defs = append(defs, declared{def, legacyClients[name]})
		}
	}
	return defs
}

// provideFakes starts the fakes the services' unset clients need and exports their
// variables into this process's environment, which the legacy services read when they are
// built (services()); a Spec will get them through its Env instead. baseURL gives a
// service's public URL ("" when unknown). The returned func stops the fakes and unsets
// what was exported.
func provideFakes(ctx context.Context, log *slog.Logger, baseURL func(string) string, names ...string) (func(), error) {
	set, err := fakes.Provide(ctx, clientDefinitions(names...), os.Getenv, baseURL, fakes.Options{}, log)
	if err != nil {
		return nil, err
	}
	for k, v := range set.Env {
		os.Setenv(k, v)
	}
	return func() {
		for k := range set.Env {
			os.Unsetenv(k)
		}
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := set.Stop(stop); err != nil {
			log.Warn("stopping the fakes", "err", err)
		}
	}, nil
}
