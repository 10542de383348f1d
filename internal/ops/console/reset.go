package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/offsetreset"
	"github.com/novatrek/support/internal/ops/offsetspec"
	"github.com/novatrek/support/internal/platform/stream"
)

// resetPreview is the dry run of a reset: the same plan `novatrek groups reset` prints
// before --execute, and the command that would carry it out.
type resetPreview struct {
	Target  string
	Value   string
	Spec    string
	Ours    bool
	Schema  string
	Rows    []offsetreset.Row
	Notes   []string
	Members string // why the reset must wait, when the group has live members
	Command string
}

// resetSpec reads the form's target and value into a plan target and the CLI flag for it.
func resetSpec(target, value string, now time.Time) (offsetreset.Spec, string, error) {
	var s offsetreset.Spec
	switch target {
	case "earliest":
		s.Earliest = true
		return s, "--to-earliest", nil
	case "latest":
		s.Latest = true
		return s, "--to-latest", nil
	case "datetime":
		sp, err := offsetspec.Parse(value, now)
		if err != nil || sp.Kind != offsetspec.Time {
			return s, "", fmt.Errorf("value %q: a time is an RFC 3339 time (2026-11-24T18:00:00Z) or a duration back from now (-1h)", value)
		}
		s.At = &sp.Time
		return s, "--to-datetime " + value, nil
	case "offset":
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil || n < 0 {
			return s, "", fmt.Errorf("value %q: the offset target wants an offset of 0 or more", value)
		}
		s.Offset = &n
		return s, fmt.Sprintf("--to-offset %d", n), nil
	case "shift":
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return s, "", fmt.Errorf("value %q: the shift target wants a whole number, e.g. -100", value)
		}
		s.Shift = &n
		return s, fmt.Sprintf("--shift-by %d", n), nil
	}
	return s, "", fmt.Errorf("target %q: want earliest, latest, datetime, offset or shift", target)
}

// previewReset plans the reset the form asks for with internal/ops/offsetreset. It writes
// nothing: the console moves no offsets (the page gives the command that does).
func (c *Console) previewReset(r *http.Request, group string) (*resetPreview, int, error) {
	target, value := r.FormValue("target"), r.FormValue("value")
	spec, flag, err := resetSpec(target, value, time.Now())
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(c.cfg.KafkaOpts...)
	if err != nil {
		return nil, http.StatusBadGateway, fmt.Errorf("connecting to Kafka: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return nil, http.StatusBadGateway, fmt.Errorf("describe group %s: %w", group, err)
	}
	dg := described[group]
	if dg.Err != nil {
		return nil, http.StatusBadGateway, fmt.Errorf("describe group %s: %w", group, dg.Err)
	}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return nil, http.StatusBadGateway, fmt.Errorf("fetch committed offsets of %s: %w", group, err)
	}
	p := &resetPreview{Target: target, Value: value, Spec: spec.String()}
	var stored map[string]map[int32]int64
	if svc := offsetreset.ServiceOf(c.cfg.Services, group); svc != nil {
		if c.cfg.Pool == nil {
			return nil, http.StatusServiceUnavailable, errors.New(group + " keeps its offsets in PostgreSQL, and this console has no database (--database-url): the preview would be wrong")
		}
		if stored, err = stream.StoredOffsets(ctx, c.cfg.Pool, svc.Store.Schema, group); err != nil {
			return nil, http.StatusBadGateway, err
		}
		p.Ours, p.Schema = true, svc.Store.Schema
	}
	topics, notes, err := offsetreset.ChooseTopics(ctx, adm, group, nil, p.Ours, dg, committed, stored)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	if p.Rows, err = offsetreset.Plan(ctx, adm, group, topics, nil, spec, committed, stored); err != nil {
		return nil, http.StatusBadGateway, err
	}
	p.Notes = notes
	if len(dg.Members) > 0 {
		p.Members = offsetreset.LiveMembers(group, dg.Members)
	}
	p.Command = "novatrek groups reset " + group + " " + flag + " --execute"
	return p, http.StatusOK, nil
}
