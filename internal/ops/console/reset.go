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
	"github.com/novatrek/support/internal/platform/service"
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
	// Rebuild empties the service's derived tables and inbox first (Spec.Rebuild): `groups
	// reset --to-earliest --rebuild`.
	Rebuild bool
	// Done says what an executed reset moved; empty for a dry run.
	Done string

	topics  []string
	service *service.Description
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

// previewReset plans the reset the form asks for with internal/ops/offsetreset, writing
// nothing: the dry run.
func (c *Console) previewReset(r *http.Request, group string) (*resetPreview, int, error) {
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(c.cfg.KafkaOpts...)
	if err != nil {
		return nil, http.StatusBadGateway, fmt.Errorf("connecting to Kafka: %w", err)
	}
	defer cl.Close()
	return c.planReset(ctx, cl, r, group)
}

func (c *Console) planReset(ctx context.Context, cl *kgo.Client, r *http.Request, group string) (*resetPreview, int, error) {
	target, value := r.FormValue("target"), r.FormValue("value")
	spec, flag, err := resetSpec(target, value, time.Now())
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
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
	p := &resetPreview{Target: target, Value: value, Spec: spec.String(), Rebuild: r.FormValue("rebuild") != ""}
	svc := offsetreset.ServiceOf(c.cfg.Services, group)
	if p.Rebuild {
		switch {
		case target != "earliest":
			return nil, http.StatusBadRequest, errors.New("rebuild: a rebuild empties the service's tables, so it replays everything: choose the target earliest")
		case svc == nil:
			return nil, http.StatusBadRequest, errors.New("rebuild: " + group + " is not one of our services, so it has no tables to rebuild")
		case svc.Rebuild == nil:
			return nil, http.StatusBadRequest, errors.New("rebuild: " + group + " does not implement a rebuild (its Spec declares no Rebuild): its tables are not all derived from events")
		}
		flag += " --rebuild"
	}
	var stored map[string]map[int32]int64
	if svc != nil {
		if c.cfg.Pool == nil {
			return nil, http.StatusServiceUnavailable, errors.New(group + " keeps its offsets in PostgreSQL, and this console has no database (--database-url): the preview would be wrong")
		}
		if stored, err = stream.StoredOffsets(ctx, c.cfg.Pool, svc.Store.Schema, group); err != nil {
			return nil, http.StatusBadGateway, err
		}
		p.Ours, p.Schema, p.service = true, svc.Store.Schema, svc
	}
	topics, notes, err := offsetreset.ChooseTopics(ctx, adm, group, nil, p.Ours, dg, committed, stored)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	if p.Rows, err = offsetreset.Plan(ctx, adm, group, topics, nil, spec, committed, stored); err != nil {
		return nil, http.StatusBadGateway, err
	}
	p.Notes, p.topics = notes, topics
	if p.Rebuild {
		p.Notes = append(p.Notes, "Rebuild: "+group+"'s derived tables and its inbox are emptied first, in the same transaction; every retained event is applied again when it restarts.")
		for _, row := range p.Rows {
			if row.Start > 0 {
				p.Notes = append(p.Notes, fmt.Sprintf("Warning: %s/%d starts at offset %d: events before it have expired and will be missing from the rebuilt tables.", row.Topic, row.Partition, row.Start))
			}
		}
	}
	if len(dg.Members) > 0 {
		p.Members = offsetreset.LiveMembers(group, dg.Members)
	}
	p.Command = "novatrek groups reset " + group + " " + flag + " --execute"
	return p, http.StatusOK, nil
}

// resetGroup executes the reset the form names, for a signed-in operator: planned again now
// (the preview may be stale), refused while the group has live members (a member that joins
// meanwhile rolls a service's transaction back), then written by offsetreset.Execute.
func (c *Console) resetGroup(w http.ResponseWriter, r *http.Request) {
	op, status, msg := c.sessions.authorize(r)
	if status != 0 {
		c.fail(w, r, status, msg)
		return
	}
	group := r.PathValue("group")
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(c.cfg.KafkaOpts...)
	if err != nil {
		c.fail(w, r, http.StatusBadGateway, "connecting to Kafka: "+err.Error())
		return
	}
	defer cl.Close()
	p, status, err := c.planReset(ctx, cl, r, group)
	if err != nil {
		c.fail(w, r, status, err.Error())
		return
	}
	if p.Members != "" {
		c.fail(w, r, http.StatusConflict, p.Members)
		return
	}
	res, err := offsetreset.Execute(ctx, cl, offsetreset.Reset{Group: group, Topics: p.topics, Rows: p.Rows, Service: p.service, Pool: c.cfg.Pool, Rebuild: p.Rebuild})
	if err != nil {
		c.cfg.Logger.ErrorContext(ctx, "console: reset failed", "group", group, "to", p.Spec, "by", op.Name, "err", err)
		c.fail(w, r, http.StatusBadGateway, err.Error())
		return
	}
	c.cfg.Logger.InfoContext(ctx, "console: reset", "group", group, "to", p.Spec, "rebuild", p.Rebuild, "by", op.Name, "partitions", res.Partitions)
	p.Done = fmt.Sprintf("Reset by %s: %d partitions moved", op.Name, res.Partitions)
	switch {
	case p.Rebuild:
		p.Done += fmt.Sprintf("; rebuild: %s's derived tables emptied and its inbox cleared (%d rows), every retained event is applied again when it runs", group, res.Cleared)
	case res.Stored:
		p.Done += fmt.Sprintf(" (stored offsets too; %d inbox rows forgotten: those events are applied again)", res.Rewind.Forgotten)
	}
	d, _ := c.groupPage(ctx, group) // the last observation may predate the reset: the page says when
	d.Reset = p
	c.render(w, r, http.StatusOK, "group", "Group "+group, d)
}
