package template

import (
	"fmt"
	"strings"
)

// Rendered is a version rendered for one recipient.
type Rendered struct {
	Subject string
	Body    string
	// HTML is empty unless the version has an HTML part.
	HTML string
}

// Render executes v against data. Every declared variable must be present in data (a
// *VariableError names those that are not); a missing nested key fails too.
func (v Version) Render(data map[string]any) (Rendered, error) {
	if m := missing(v.Variables, data); len(m) > 0 {
		return Rendered{}, fmt.Errorf("render %s v%d: %w", v.Key, v.Version, &VariableError{Missing: m})
	}
	c, err := compile(v.Subject, v.Body, v.HTML)
	if err != nil {
		return Rendered{}, fmt.Errorf("render %s v%d: parse: %w", v.Key, v.Version, err)
	}
	return c.execute(data)
}

func (c *compiled) execute(data map[string]any) (Rendered, error) {
	var r Rendered
	var sb strings.Builder
	if err := c.subject.Execute(&sb, data); err != nil {
		return r, fmt.Errorf("template: render subject: %w", err)
	}
	r.Subject = sb.String()
	sb.Reset()
	if err := c.body.Execute(&sb, data); err != nil {
		return r, fmt.Errorf("template: render body: %w", err)
	}
	r.Body = sb.String()
	if c.html != nil {
		sb.Reset()
		if err := c.html.Execute(&sb, data); err != nil {
			return r, fmt.Errorf("template: render html: %w", err)
		}
		r.HTML = sb.String()
	}
	return r, nil
}

// validate checks a draft before it is stored: the key, the channel rules, that every
// referenced variable is declared, that the sample data covers every declared variable, and
// that the draft renders against its sample data.
func (d Draft) validate() error {
	if err := d.Key.validate(); err != nil {
		return err
	}
	if strings.TrimSpace(d.Body) == "" {
		return fmt.Errorf("template %s: empty body", d.Key)
	}
	if d.HTML != "" && d.Channel != "email" {
		return fmt.Errorf("template %s: an HTML part is for the email channel only", d.Key)
	}
	c, err := compile(d.Subject, d.Body, d.HTML)
	if err != nil {
		return fmt.Errorf("template %s: parse: %w", d.Key, err)
	}
	declared := map[string]bool{}
	for _, v := range d.Variables {
		declared[v] = true
	}
	var undeclared []string
	for _, r := range c.references() {
		if !declared[r] {
			undeclared = append(undeclared, r)
		}
	}
	if ve := (&VariableError{Missing: missing(d.Variables, d.SampleData), Undeclared: undeclared}); len(ve.Missing)+len(ve.Undeclared) > 0 {
		return fmt.Errorf("template %s: %w", d.Key, ve)
	}
	if _, err := c.execute(d.SampleData); err != nil {
		return fmt.Errorf("template %s: render sample data: %w", d.Key, err)
	}
	return nil
}
