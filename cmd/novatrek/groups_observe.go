package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
)

// groupsObserveFlags are the settings `groups list`, `groups describe` and `groups lag` share:
// where the cluster is, how many observations the status is judged from, and the output.
type groupsObserveFlags struct {
	cfg            config.Config
	output         string
	samples        int
	sampleInterval time.Duration
	watch          bool
	interval       time.Duration
	window         time.Duration
	timeout        time.Duration
	// includeInactive makes groups nobody runs (lag.Group.Inactive) count: an EMPTY or any
	// other status of theirs then fails the command like our own groups' do.
	includeInactive bool
}

// register adds the flags; samples and every are the command's defaults for one-shot runs.
func (f *groupsObserveFlags) register(fs *pflag.FlagSet, samples int, every time.Duration) {
	f.cfg = config.FromEnv()
	f.cfg.Flags(fs)
	fs.StringVarP(&f.output, "output", "o", "table", "output format: table or json")
	fs.IntVar(&f.samples, "samples", samples, "observations a one-shot run takes before answering (STALL and WARN need at least 2)")
	fs.DurationVar(&f.sampleInterval, "sample-interval", every, "time between the observations of a one-shot run; make it longer than the groups' commit interval")
	fs.BoolVarP(&f.watch, "watch", "w", false, "observe again every --interval until interrupted, judging the status over --window")
	fs.DurationVar(&f.interval, "interval", 5*time.Second, "time between refreshes with --watch")
	fs.DurationVar(&f.window, "window", lag.DefaultWindow, "how far back observations count for the status with --watch")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up when one observation has not finished by then")
	fs.BoolVar(&f.includeInactive, "include-inactive", false, "also fail (exit 2) on groups nobody runs (EMPTY: no live member, no offset moved, not one of our services), e.g. ones left behind by kcat -G or other teams' test clients")
}

func (f *groupsObserveFlags) validate() error {
	if err := f.cfg.Validate(); err != nil {
		return err
	}
	switch {
	case f.output != "table" && f.output != "json":
		return fmt.Errorf("--output %q: want table or json", f.output)
	case f.samples < 1:
		return fmt.Errorf("--samples %d: want at least 1", f.samples)
	case f.sampleInterval <= 0:
		return fmt.Errorf("--sample-interval %s: want a positive duration", f.sampleInterval)
	case f.interval <= 0:
		return fmt.Errorf("--interval %s: want a positive duration", f.interval)
	case f.window <= 0:
		return fmt.Errorf("--window %s: want a positive duration", f.window)
	case f.timeout <= 0:
		return fmt.Errorf("--timeout %s: want a positive duration", f.timeout)
	}
	return nil
}

// observer connects to the cluster; the groups of the services this binary runs are always
// listed, on every partition of their topics (see ourConsumes).
func (f *groupsObserveFlags) observer() (*lag.Observer, func(), error) {
	consumes, err := ourConsumes()
	if err != nil {
		return nil, nil, err
	}
	cl, err := kgo.NewClient(append(f.cfg.KafkaOpts(), kgo.ClientID("novatrek-groups"))...)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to Kafka at %v: %w", f.cfg.KafkaBrokers, err)
	}
	window := f.window
	if !f.watch {
		window = time.Duration(f.samples) * f.sampleInterval * 2 // every sample of the run counts
	}
	obs, err := lag.New(lag.Config{Client: cl, Consumes: consumes, Window: window})
	if err != nil {
		cl.Close()
		return nil, nil, err
	}
	return obs, cl.Close, nil
}

// ourConsumes is lag.Config.Consumes for the services this binary runs (services(), the ones
// `novatrek dev` starts), each with the topics topics.yaml says it consumes. Services that
// topics.yaml declares but nobody has built yet are left out: on the dev stack their topics
// fill up with simulated traffic and nothing consumes them, so they would be STOP forever and
// `groups lag` would never pass. Once the cluster knows such a group (someone runs it), it is
// listed like any other group.
func ourConsumes() (map[string][]string, error) {
	topo, err := topology.Default()
	if err != nil {
		return nil, err
	}
	return lag.ServiceGroups(topo, service.DefinitionNames(services())), nil
}

// run observes the groups (all when none is named) and calls show with each result: once,
// after --samples observations, or after every observation with --watch until ctx ends.
func (f *groupsObserveFlags) run(ctx context.Context, groups []string, show func(lag.Snapshot) error) error {
	obs, closeFn, err := f.observer()
	if err != nil {
		return err
	}
	defer closeFn()
	observe := func() (lag.Snapshot, error) {
		octx, cancel := context.WithTimeout(ctx, f.timeout)
		defer cancel()
		return obs.Observe(octx, groups...)
	}
	if !f.watch {
		var snap lag.Snapshot
		for i := range f.samples {
			if i > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(f.sampleInterval):
				}
			}
			if snap, err = observe(); err != nil {
				return err
			}
		}
		return show(snap)
	}
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		snap, err := observe()
		if err != nil && ctx.Err() == nil {
			return err
		}
		if ctx.Err() != nil {
			return nil // interrupted: a clean end of --watch
		}
		// A group not OK is shown in the table and watched on; anything else (a failed
		// write) ends the watch with its error.
		if err := show(snap); err != nil && !errors.Is(err, errGroupsNotOK) {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// errGroupsNotOK is the error of `groups list`, `describe` and `lag` when a group they show
// is not OK; the command then exits with exitGroupsNotOK.
var errGroupsNotOK = errors.New("consumer groups not OK")

// exitGroupsNotOK is the exit status when every group was observed and one is not OK, so
// cron and CI can tell it from 1, "could not observe" (or any other failure).
const exitGroupsNotOK = 2

// groupsNotOKError carries errGroupsNotOK and the exit status main uses for it.
type groupsNotOKError struct{ err error }

func (e groupsNotOKError) Error() string   { return e.err.Error() }
func (e groupsNotOKError) Unwrap() error   { return e.err }
func (e groupsNotOKError) ExitStatus() int { return exitGroupsNotOK }

// notOK returns an error naming the groups whose status is not OK, or nil. Groups nobody
// runs (ad-hoc consumers, other teams' tools) are shown but do not count unless
// includeInactive: their lag is nobody's page.
func notOK(groups []lag.Group, includeInactive bool) error {
	var bad []string
	for _, g := range groups {
		if g.Inactive && !includeInactive {
			continue
		}
		if g.Status != lag.OK {
			bad = append(bad, g.Group+" "+g.Status.String())
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return groupsNotOKError{fmt.Errorf("%w: %s", errGroupsNotOK, strings.Join(bad, ", "))}
}

// judgeNamed makes a group the user named and the cluster does not know ERR: a typo or a
// group that never ran must not pass as OK. Our services' groups with partitions keep the
// status of those partitions.
func judgeNamed(snap *lag.Snapshot, named []string) {
	if len(named) == 0 {
		return
	}
	for i, g := range snap.Groups {
		if g.State == "Dead" && len(g.Partitions) == 0 && g.Err == "" {
			snap.Groups[i].Status = lag.ERR
			snap.Groups[i].Reason = "the cluster does not know this group"
			snap.Groups[i].Inactive = false // named and missing: an error, not an idle group
		}
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// secondsText shows lag seconds for people: "-" when caught up, "?" when unknown.
func secondsText(s float64) string {
	switch {
	case s < 0:
		return "?"
	case s == 0:
		return "-"
	case s < 10:
		return strconv.FormatFloat(s, 'f', 1, 64) + "s"
	}
	return (time.Duration(s) * time.Second).String()
}

// offsetCell shows an offset, "-" for none.
func offsetCell(o int64) string {
	if o < 0 {
		return "-"
	}
	return strconv.FormatInt(o, 10)
}

// sampleNote says what a status judged from too few observations can and cannot tell.
func sampleNote(w io.Writer, f *groupsObserveFlags) {
	if f.watch || f.samples >= 2 {
		return
	}
	fmt.Fprintln(w, "\nStatus from 1 observation: STALL and WARN need --samples 2 or more (a partition refused for its stored offset is STALL at once).")
}
