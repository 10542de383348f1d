package fakes

import (
	"context"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/platform/service"
)

// standIns is the stack of the other domains' stand-ins (internal/dev/standin) for a
// service's synchronous calls to svc-reservations and svc-guest-profiles, keyed by the
// service they stand in for: a Client with Fake "svc-reservations" gets the stand-in's URL
// with that service's prefix. Started by Provide, it has no Kafka to learn from, so it
// knows what a test puts into its Store (Set.StandIns) and nothing else; `novatrek dev`
// passes Options.StandIns instead, so its own stand-ins, fed from the topics, answer.
type standIns struct {
	srv   *service.HTTPServer
	store *standin.Store
}

// stackStandIns names the stand-ins' stack.
const stackStandIns = "standins"

func startStandIns(Options) (stack, error) {
	st := standin.NewStore()
	srv, err := service.ListenHTTP("127.0.0.1:0", standin.Handler(st))
	if err != nil {
		return nil, err
	}
	return &standIns{srv: srv, store: st}, nil
}

// values: the stand-ins serve each service under /<service>/, so the client's base URL
// carries that prefix, as behind the dev stack.
func (s *standIns) values(key string) map[string]string {
	return map[string]string{RoleURL: "http://" + s.srv.Addr() + "/" + key}
}

func (s *standIns) stop(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// StandIns is the store behind the running stand-ins, for a test to publish the
// reservations and guests the service will ask about (Store.Apply); nil when Provide
// started none.
func (s *Set) StandIns() *standin.Store {
	if st, ok := s.stacks[stackStandIns].(*standIns); ok {
		return st.store
	}
	return nil
}
