package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

// registryWait bounds the registry calls of one page.
const registryWait = 10 * time.Second

type subjectRow struct {
	Subject       string
	Versions      []int
	Compatibility string
	Err           string
}

func (c *Console) subjects(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), registryWait)
	defer cancel()
	names, err := c.cfg.Registry.Subjects(ctx)
	if err != nil {
		c.fail(w, r, http.StatusBadGateway, "schema registry: "+err.Error())
		return
	}
	var rows []subjectRow
	compat := c.cfg.Registry.Compatibility(ctx, names...)
	for i, n := range names {
		row := subjectRow{Subject: n}
		if vs, err := c.cfg.Registry.SubjectVersions(ctx, n); err != nil {
			row.Err = err.Error()
		} else {
			row.Versions = vs
		}
		if i < len(compat) {
			row.Compatibility = c.compatText(ctx, compat[i])
		}
		rows = append(rows, row)
	}
	c.render(w, r, http.StatusOK, "schemas", "Schemas", rows)
}

// compatText is a subject's mode, or the global one it inherits.
func (c *Console) compatText(ctx context.Context, res sr.CompatibilityResult) string {
	if res.Err == nil {
		return res.Level.String()
	}
	if g := c.cfg.Registry.Compatibility(ctx); len(g) == 1 && g[0].Err == nil {
		return g[0].Level.String() + " (global)"
	}
	return "unknown: " + res.Err.Error()
}

type subjectData struct {
	Subject       string
	Versions      []int
	Compatibility string
	Version       int
	Schema        string
	ID            int
	// DiffFrom is the version the diff compares Version with (0: no diff shown).
	DiffFrom int
	Diff     []diffLine
	// Check is the result of the "check this schema" box, nil when not asked.
	Check     *sr.CheckCompatibilityResult
	CheckText string
}

// subjectPage reads the subject's versions, one version's schema and, when asked, its diff
// from another version.
func (c *Console) subjectPage(ctx context.Context, r *http.Request, subject string) (subjectData, int, error) {
	d := subjectData{Subject: subject}
	vs, err := c.cfg.Registry.SubjectVersions(ctx, subject)
	if err != nil {
		return d, http.StatusNotFound, fmt.Errorf("subject %s: %w", subject, err)
	}
	d.Versions = vs
	d.Compatibility = c.compatText(ctx, c.cfg.Registry.Compatibility(ctx, subject)[0])
	d.Version = vs[len(vs)-1]
	if v := r.FormValue("version"); v != "" {
		if d.Version, err = versionOf(v, vs); err != nil {
			return d, http.StatusBadRequest, fmt.Errorf("version: %w", err)
		}
	}
	ss, err := c.cfg.Registry.SchemaByVersion(ctx, subject, d.Version)
	if err != nil {
		return d, http.StatusBadGateway, err
	}
	d.Schema, d.ID = indentJSON([]byte(ss.Schema.Schema)), ss.ID
	if v := r.FormValue("diff"); v != "" {
		if d.DiffFrom, err = versionOf(v, vs); err != nil {
			return d, http.StatusBadRequest, fmt.Errorf("diff: %w", err)
		}
		old, err := c.cfg.Registry.SchemaByVersion(ctx, subject, d.DiffFrom)
		if err != nil {
			return d, http.StatusBadGateway, err
		}
		d.Diff = diffLines(strings.Split(indentJSON([]byte(old.Schema.Schema)), "\n"), strings.Split(d.Schema, "\n"))
	}
	return d, http.StatusOK, nil
}

func versionOf(v string, have []int) (int, error) {
	n, err := strconv.Atoi(v)
	if err == nil {
		for _, h := range have {
			if h == n {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("%q is not a version of this subject (it has %v)", v, have)
}

func (c *Console) subject(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), registryWait)
	defer cancel()
	subject := r.PathValue("subject")
	d, status, err := c.subjectPage(ctx, r, subject)
	if err != nil {
		c.fail(w, r, status, err.Error())
		return
	}
	c.render(w, r, http.StatusOK, "subject", "Subject "+subject, d)
}

// checkSchema runs the registry's compatibility test of a pasted schema against the
// subject's latest version. It registers nothing, so it needs no operator.
func (c *Console) checkSchema(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), registryWait)
	defer cancel()
	subject := r.PathValue("subject")
	d, status, err := c.subjectPage(ctx, r, subject)
	if err != nil {
		c.fail(w, r, status, err.Error())
		return
	}
	d.CheckText = r.PostFormValue("schema")
	if strings.TrimSpace(d.CheckText) == "" {
		c.renderPage(w, r, http.StatusBadRequest, "subject", "Subject "+subject, "schema: paste an Avro schema to check", d)
		return
	}
	res, err := c.cfg.Registry.CheckCompatibility(ctx, subject, -1, sr.Schema{Schema: d.CheckText, Type: sr.TypeAvro})
	if err != nil {
		c.renderPage(w, r, http.StatusUnprocessableEntity, "subject", "Subject "+subject, "the registry refused the schema: "+err.Error(), d)
		return
	}
	d.Check = &res
	c.render(w, r, http.StatusOK, "subject", "Subject "+subject, d)
}
