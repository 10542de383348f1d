package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
)

// redriveData is a re-drive's page: the dry run, or what was done.
type redriveData struct {
	Group    string
	Query    letterQuery
	Redrive  *deadletter.Redrive
	Executed bool
	Sends    int
	// Positions are the previewed letters' exact positions ("P:O,..."): the execute form
	// sends these, so a letter dead-lettered after the preview is never sent unseen.
	Positions string
	Note      string
	Again     bool
}

func (c *Console) store() (*deadletter.Store, error) {
	if c.cfg.Pool == nil {
		return nil, fmt.Errorf("re-drives are recorded in PostgreSQL, and this console has no database (--database-url)")
	}
	return deadletter.NewStore(c.cfg.Pool, deadletter.DefaultSchema), nil
}

// plan reads the chosen letters and plans their re-drive by who, writing nothing.
func (c *Console) plan(ctx context.Context, group string, q letterQuery, by, note string, again bool) (*redriveData, int, error) {
	st, err := c.store()
	if err != nil {
		return nil, http.StatusServiceUnavailable, err
	}
	letters, status, err := c.readLetters(ctx, group, q)
	if err != nil {
		return nil, status, err
	}
	if len(letters) == 0 {
		return nil, http.StatusBadRequest, fmt.Errorf("no dead letter of %s matches the filter: nothing to re-drive", group)
	}
	if err := deadletter.Migrate(ctx, c.cfg.Pool, deadletter.DefaultSchema); err != nil {
		return nil, http.StatusBadGateway, err
	}
	rd, err := st.Plan(ctx, deadletter.Request{Group: group, Letters: letters, By: by, Note: note, Again: again})
	if err != nil {
		return nil, http.StatusBadGateway, err
	}
	pos := make([]string, len(rd.Items))
	for i, it := range rd.Items {
		pos[i] = fmt.Sprintf("%d:%d", it.Letter.At.Partition, it.Letter.At.Offset)
	}
	return &redriveData{Group: group, Query: q, Redrive: rd, Sends: rd.Count(deadletter.Send), Positions: strings.Join(pos, ","), Note: note, Again: again}, http.StatusOK, nil
}

// redrivePreview is the dry run: what a re-drive of the filtered letters would do. Anyone
// may look; executing it needs the operator.
func (c *Console) redrivePreview(w http.ResponseWriter, r *http.Request) {
	group := r.PathValue("group")
	by := "(dry run)"
	if op, ok := c.sessions.of(r); ok {
		by = op.Name
	}
	d, status, err := c.plan(r.Context(), group, queryOf(r), by, r.FormValue("note"), r.FormValue("again") != "")
	if err != nil {
		c.fail(w, r, status, err.Error())
		return
	}
	c.render(w, r, http.StatusOK, "redrive", "Re-drive dead letters of "+group+": dry run", d)
}

// redrive executes a re-drive of exactly the previewed positions, recorded under the
// signed-in operator's name.
func (c *Console) redrive(w http.ResponseWriter, r *http.Request) {
	op, status, msg := c.sessions.authorize(r)
	if status != 0 {
		c.fail(w, r, status, msg)
		return
	}
	group := r.PathValue("group")
	positions := r.PostFormValue("positions")
	if positions == "" {
		c.fail(w, r, http.StatusBadRequest, "positions: the form names no dead letters; run the dry run first")
		return
	}
	d, status, err := c.plan(r.Context(), group, letterQuery{Offsets: positions}, op.Name, r.PostFormValue("note"), r.PostFormValue("again") != "")
	if err != nil {
		c.fail(w, r, status, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append(append([]kgo.Opt(nil), c.cfg.KafkaOpts...), deadletter.ProducerOpts()...)...)
	if err != nil {
		c.fail(w, r, http.StatusBadGateway, "connecting to Kafka: "+err.Error())
		return
	}
	defer cl.Close()
	if err := deadletter.NewStore(c.cfg.Pool, deadletter.DefaultSchema).Execute(ctx, cl, d.Redrive); err != nil {
		c.cfg.Logger.ErrorContext(ctx, "console: re-drive failed", "group", group, "redrive", d.Redrive.ID, "by", op.Name, "err", err)
		c.fail(w, r, http.StatusBadGateway, fmt.Sprintf("re-drive %s of %s: %v", d.Redrive.ID, group, err))
		return
	}
	c.cfg.Logger.InfoContext(ctx, "console: re-drive", "group", group, "redrive", d.Redrive.ID, "by", op.Name, "sent", d.Sends)
	d.Executed = true
	c.render(w, r, http.StatusOK, "redrive", "Re-drive dead letters of "+group+": done", d)
}
