package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/publish"
)

func newSimulateCmd() *cobra.Command {
	cfg := config.FromEnv()
	var rate, seed, apiURL string
	var duration time.Duration
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Produce realistic traffic from the other domains onto their topics (reservations, guests, check-ins, safety, requests)",
		Long: `simulate plays the domains around the support domain: guests register, book trips
(reservation.created), bookings are confirmed, cancelled, checked in and completed
(reservation.status_changed, checkin.completed), the scheduling orchestrator publishes
schedules and logs optimization metrics, safety reports incidents and, rarely,
emergencies and wildlife alerts, and every domain sends the notification requests the
spec lists. Ids are consistent across events (the guest who registers is the one who
books, checks in and completes the trip), the mix follows the spec's daily volumes, and
events are sent like every producer sends them (package publish): Avro in the Confluent
wire format (schemas must be registered: novatrek dev does it, or novatrek schemas
register), keyed by each topic's key field.

With --api-url, the simulated domains also make their synchronous calls to
svc-notifications at that base URL, as the owning domains would: the contact (name,
e-mail, phone, locale, time zone) of every guide, partner and staff member the traffic
names, written once before the first event naming them (PUT /v1/recipients/{TYPE:id}/contact,
by svc-scheduling-orchestrator, svc-partner-integrations, notifications-ops), and the push
device of 70% of new guests right after they register (PUT
/v1/recipients/GUEST:{id}/devices/{token}, by guest-app); the rest have no app, so their
push notifications fail as they would; and svc-location-services' calls: its departure
locations created first (PUT /v1/locations/{id}, by locations-ops), capacity checks,
pickup validations, trail and guest-position reads and check-outs. Every call goes to the
one base URL, so against svc-notifications alone the location calls fail (novatrek dev
sends each to the service that declares its route). Calls carry the caller's dev token (Bearer
dev-<caller>); a failed call is logged and counted, never fatal. Without --api-url (the
default) no calls are made. novatrek dev does this by itself.

The same --seed always produces the same events (same ids) in the same order; without it
a random seed is used and printed, so a run can be repeated. A repeated seed repeats event
ids, which consumers deduplicate: use a new seed for new traffic.`,
		Example: `  # 5 events/s against the dev stack until Ctrl-C
  novatrek simulate --rate 5/s

  # 2,000 events as fast as 200/s, repeatable
  novatrek simulate --rate 200/s --duration 10s --seed demo-1

  # with the contact and device calls, against svc-notifications run by novatrek run
  novatrek simulate --rate 5/s --api-url http://127.0.0.1:8080

  # a gentle trickle against another cluster
  novatrek simulate --rate 30/m --brokers kafka-1:9092 --registry http://registry:8081`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			topo, err := topology.Default()
			if err != nil {
				return err
			}
			r, err := simulate.ParseRate(rate)
			if err != nil {
				return fmt.Errorf("--rate: %w", err)
			}
			if r == 0 {
				return errors.New("--rate: 0 sends nothing; give a positive rate, e.g. 5/s")
			}
			cl, err := kgo.NewClient(append(cfg.KafkaOpts(), kgo.ClientID("novatrek-simulate"))...)
			if err != nil {
				return fmt.Errorf("kafka client: %w", err)
			}
			defer cl.Close()
			pub, err := publish.New(cl, cfg.SchemaRegistryURL)
			if err != nil {
				return err
			}
			var calls simulate.CallSink
			if apiURL != "" {
				if calls, err = simulate.NewHTTPSink(apiURL); err != nil {
					return fmt.Errorf("--api-url: %w", err)
				}
			}
			if seed == "" {
				seed = simulate.RandomSeed()
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "simulating %g events/s, seed %s (repeat with --seed %s)\n", r, seed, seed)
			st, err := simulate.Run(cmd.Context(), simulate.Config{
				Rate: r, Duration: duration, Seed: seed, Topology: topo,
				Sink: simulate.NewPublishSink(cl, pub), Calls: calls, Logger: cliLogger(cmd.ErrOrStderr()),
			})
			fmt.Fprintf(cmd.OutOrStdout(), "sent %d events (seed %s)\n", st.Events, st.Seed)
			if calls != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "made %d API calls, %d failed, %d refused as they meant to be\n",
					st.Calls+st.CallErrors+st.CallsExpected, st.CallErrors, st.CallsExpected)
			}
			for _, t := range simulate.Topics(topo) {
				if n := st.ByTopic[t]; n > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "  %-48s %d\n", t, n)
				}
			}
			return err
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().StringVar(&rate, "rate", "5/s", "events per second: 5/s, 300/m, 2000/h or a bare number")
	cmd.Flags().DurationVar(&duration, "duration", 0, "stop after rate x duration events (e.g. 30s, 10m); 0 runs until Ctrl-C")
	cmd.Flags().StringVar(&apiURL, "api-url", "", "base URL of svc-notifications' API for the contact and device calls (http://127.0.0.1:8080 under novatrek run, http://127.0.0.1:8080/svc-notifications on the dev stack); empty: no calls")
	cmd.Flags().StringVar(&seed, "seed", "", "seed of the ids and choices; the same seed sends the same events (default random)")
	return cmd
}
