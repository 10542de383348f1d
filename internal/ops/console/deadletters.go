package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/novatrek/support/internal/ops/deadletter"
)

// readWait bounds one read of a dead-letter topic.
const readWait = 15 * time.Second

func (c *Console) deadLetterGroups(w http.ResponseWriter, r *http.Request) {
	c.Sample()
	snap, _ := c.cfg.Lag.Latest()
	c.render(w, r, http.StatusOK, "deadletters", "Dead letters", snap)
}

// letterQuery is the filter of a dead-letter page, as the form and the links carry it.
type letterQuery struct {
	Kind, Reason, Since, Offsets string
}

func (q letterQuery) Values() string {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.Kind, "reason": q.Reason, "since": q.Since, "offsets": q.Offsets} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// filter checks the query the way `novatrek dlq list` checks its flags.
func (q letterQuery) filter(now time.Time) (deadletter.Filter, error) {
	f := deadletter.Filter{Reason: deadletter.ParseReason(q.Reason)}
	var err error
	if f.Kind, err = deadletter.ParseKind(q.Kind); err != nil {
		return f, fmt.Errorf("kind: %w", err)
	}
	if f.Since, err = deadletter.ParseSince(q.Since, now); err != nil {
		return f, fmt.Errorf("since: %w", err)
	}
	if q.Offsets != "" {
		if f.Offsets, err = deadletter.ParseRanges(q.Offsets); err != nil {
			return f, fmt.Errorf("offsets: %w", err)
		}
	}
	return f, nil
}

func queryOf(r *http.Request) letterQuery {
	return letterQuery{Kind: r.FormValue("kind"), Reason: r.FormValue("reason"), Since: r.FormValue("since"), Offsets: r.FormValue("offsets")}
}

// readLetters reads group's dead letters that q chooses. The status is for the page when
// err is not nil: 400 for a bad filter, 404 for a group without a dead-letter topic.
func (c *Console) readLetters(ctx context.Context, group string, q letterQuery) ([]deadletter.Letter, int, error) {
	f, err := q.filter(time.Now())
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	ctx, cancel := context.WithTimeout(ctx, readWait)
	defer cancel()
	letters, err := deadletter.Reader{ClientOpts: c.cfg.KafkaOpts, Serde: c.serde}.Read(ctx, group, f)
	switch {
	case err == nil:
		return letters, http.StatusOK, nil
	case errors.Is(err, deadletter.ErrNoTopic):
		return nil, http.StatusNotFound, err
	}
	return nil, http.StatusBadGateway, err
}

type lettersData struct {
	Group   string
	Query   letterQuery
	Kinds   []string
	Letters []deadletter.Letter
	Summary deadletter.Summary
	History []deadletter.Record
	// HistoryErr says why the re-drive history is not shown.
	HistoryErr string
}

func (c *Console) deadLetters(w http.ResponseWriter, r *http.Request) {
	group, q := r.PathValue("group"), queryOf(r)
	d := lettersData{Group: group, Query: q, Kinds: deadletter.Kinds}
	letters, status, err := c.readLetters(r.Context(), group, q)
	if err != nil {
		c.renderPage(w, r, status, "deadletter-list", "Dead letters of "+group, err.Error(), d)
		return
	}
	d.Letters, d.Summary = letters, deadletter.Summarize(letters)
	d.History, d.HistoryErr = c.history50(r.Context(), group)
	c.render(w, r, http.StatusOK, "deadletter-list", "Dead letters of "+group, d)
}

// history50 is the group's last re-drives: the audit trail of who sent what back, when, and
// what happened.
func (c *Console) history50(ctx context.Context, group string) ([]deadletter.Record, string) {
	if c.cfg.Pool == nil {
		return nil, "not shown: the console has no database (--database-url)"
	}
	recs, err := deadletter.NewStore(c.cfg.Pool, deadletter.DefaultSchema).History(ctx, group, 50)
	if err != nil {
		return nil, err.Error()
	}
	return recs, ""
}

type letterData struct {
	Group   string
	Letter  deadletter.Letter
	Decoded deadletter.Decoded
	JSON    string
	// DecodeErr says why the value is not shown decoded.
	DecodeErr string
}

// deadLetter shows one dead letter: its failure, headers, and the original value decoded.
func (c *Console) deadLetter(w http.ResponseWriter, r *http.Request) {
	group := r.PathValue("group")
	p, err1 := strconv.ParseInt(r.PathValue("partition"), 10, 32)
	o, err2 := strconv.ParseInt(r.PathValue("offset"), 10, 64)
	if err1 != nil || err2 != nil || p < 0 || o < 0 {
		c.fail(w, r, http.StatusBadRequest, "a dead letter is named by its partition and offset, e.g. /deadletters/"+group+"/0/42")
		return
	}
	letters, status, err := c.readLetters(r.Context(), group, letterQuery{Offsets: fmt.Sprintf("%d:%d", p, o)})
	if err != nil {
		c.fail(w, r, status, err.Error())
		return
	}
	if len(letters) == 0 {
		c.fail(w, r, http.StatusNotFound, fmt.Sprintf("no dead letter of %s at %d:%d (expired, or past the end)", group, p, o))
		return
	}
	d := letterData{Group: group, Letter: letters[0]}
	dec, err := deadletter.Decode(r.Context(), c.serde, d.Letter.Value)
	if err != nil {
		d.DecodeErr = err.Error()
	} else {
		d.Decoded, d.JSON = dec, indentJSON(dec.JSON)
	}
	c.render(w, r, http.StatusOK, "deadletter", fmt.Sprintf("Dead letter %s %d:%d", group, p, o), d)
}
