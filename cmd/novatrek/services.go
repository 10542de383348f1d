package main

import (
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/processors/analytics"
	"github.com/novatrek/support/processors/location"
	"github.com/novatrek/support/processors/loyalty"
	"github.com/novatrek/support/processors/media"
	"github.com/novatrek/support/processors/notifications"
	"github.com/novatrek/support/processors/payments"
	"github.com/novatrek/support/processors/procurement"
	"github.com/novatrek/support/processors/reviews"
	"github.com/novatrek/support/processors/weather"
)

// services lists every implemented service, one line each; it is also the mark of which
// services topics.yaml declares are built: the lag tools judge these on every topic they
// consume (the others are not counted as stopped groups), and each checks at start that it
// subscribes to exactly the topics topics.yaml lists it as a consumer of. `novatrek dev` starts all of
// them, `novatrek run <name>` one, `novatrek migrate` migrates their schemas. Adding a
// service is its folder under processors/, its rows in topics.yaml, its schemas, and one
// line here, e.g.
//
//	payments.Spec,
func services() []service.Definition {
	return []service.Definition{
		payments.Spec,
		weather.Spec,
		notifications.Spec,
		location.Spec,
		procurement.Spec,
		analytics.Spec,
		loyalty.Spec,
		reviews.Spec,
		media.Spec,
	}
}
