package main

import (
	"github.com/novatrek/support/internal/service"
	"github.com/novatrek/support/processors/notifications"
	"github.com/novatrek/support/processors/payments"
)

// services lists every implemented service, one line each. `novatrek dev` starts all of
// them, `novatrek run <name>` one, `novatrek migrate` migrates their schemas. Adding a
// service is its folder under processors/, its rows in topics.yaml, its schemas, and one
// line here, e.g.
//
//	payments.New(),
func services() []service.Service {
	return []service.Service{
		payments.New(),
		notifications.New(),
	}
}
