package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/service"
)

// defaultStandinsAddr keeps the standalone stand-ins off the dev stack's 8080.
const defaultStandinsAddr = "127.0.0.1:8090"

func newStandinsCmd() *cobra.Command {
	cfg := config.FromEnv()
	var listen string
	cmd := &cobra.Command{
		Use:   "standins",
		Short: "Serve local stand-ins for svc-reservations, svc-guest-profiles and svc-gear-inventory from the published events",
		Long: `standins answers for the other domains' services that ours call synchronously, from
what was published to Kafka (novatrek simulate, novatrek publish, or the real producers):

  GET /svc-reservations/v1/reservations/{reservation_id}   status, guest, trip, check-in
  GET /svc-guest-profiles/v1/guests/{guest_id}             the registered profile
  GET /svc-gear-inventory/v1/items[/{sku}]                 a fixed gear catalog

It reads reservation.created, reservation.status_changed, checkin.completed and
guest.registered from the start of each topic into memory (no consumer group, nothing
stored) and keeps following them. Ids never published answer 404; errors are
application/problem+json. novatrek dev serves the same endpoints on its own HTTP address.`,
		Example: `  # next to novatrek dev (which serves them on :8080 already), or against another cluster
  novatrek standins --listen 127.0.0.1:8090

  # is a reservation COMPLETED (what svc-reviews checks)?
  curl -s localhost:8090/svc-reservations/v1/reservations/4b0e...-... | jq .status

  # against a shared cluster
  novatrek standins --brokers kafka-1:9092 --registry http://registry:8081 --listen :8090`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			reg, err := sr.NewClient(sr.URLs(cfg.SchemaRegistryURL))
			if err != nil {
				return fmt.Errorf("schema registry client: %w", err)
			}
			log := cliLogger(cmd.ErrOrStderr())
			store := standin.NewStore()
			c, err := standin.NewConsumer(store, serde.New(reg), nil, log, cfg.KafkaOpts()...)
			if err != nil {
				return err
			}
			srv, err := service.ListenHTTP(listen, standin.Handler(store))
			if err != nil {
				return fmt.Errorf("--listen %s: %w", listen, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stand-ins serving on http://%s (%s)\n", srv.Addr(), strings.Join(standin.Services(), ", "))
			runErr := c.Run(cmd.Context())
			sctx, cancel := context.WithTimeout(context.WithoutCancel(cmd.Context()), 5*time.Second)
			defer cancel()
			shutdownErr := srv.Shutdown(sctx)
			return errors.Join(runErr, shutdownErr)
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().StringVar(&listen, "listen", defaultStandinsAddr, "HTTP listen address of the stand-ins")
	return cmd
}
