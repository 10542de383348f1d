package template

import (
	htmltemplate "html/template"
	"sort"
	texttemplate "text/template"
	"text/template/parse"
)

// compiled holds the parsed parts of a version. Both engines run with missingkey=error so a
// nested key missing at render time is an error, not "<no value>".
type compiled struct {
	subject *texttemplate.Template
	body    *texttemplate.Template
	html    *htmltemplate.Template // nil when the version has no HTML part
}

func compile(subject, body, html string) (*compiled, error) {
	c := &compiled{}
	var err error
	if c.subject, err = texttemplate.New("subject").Option("missingkey=error").Parse(subject); err != nil {
		return nil, err
	}
	if c.body, err = texttemplate.New("body").Option("missingkey=error").Parse(body); err != nil {
		return nil, err
	}
	if html != "" {
		if c.html, err = htmltemplate.New("html").Option("missingkey=error").Parse(html); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// references returns the sorted top-level data keys the templates use: {{.x}}, {{.x.y}} and
// {{$.x}} name "x". Inside range and with the dot is no longer the data, so fields there are
// not top-level keys (only $.x is).
func (c *compiled) references() []string {
	set := map[string]bool{}
	trees := []*parse.Tree{c.subject.Tree, c.body.Tree}
	if c.html != nil {
		trees = append(trees, c.html.Tree)
	}
	for _, t := range trees {
		if t != nil && t.Root != nil {
			walk(t.Root, true, set)
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func walk(n parse.Node, rootDot bool, set map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, rootDot, set)
		}
	case *parse.ActionNode:
		walk(n.Pipe, rootDot, set)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, rootDot, rootDot, set)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, rootDot, false, set)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, rootDot, false, set)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			walk(n.Pipe, rootDot, set)
		}
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, cmd := range n.Cmds {
			walk(cmd, rootDot, set)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walk(a, rootDot, set)
		}
	case *parse.ChainNode:
		walk(n.Node, rootDot, set)
	case *parse.FieldNode:
		if rootDot && len(n.Ident) > 0 {
			set[n.Ident[0]] = true
		}
	case *parse.VariableNode:
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			set[n.Ident[1]] = true
		}
	}
}

// walkBranch walks if/range/with: the pipeline sees the outer dot, the body sees bodyDot, and
// else sees the outer dot again.
func walkBranch(b *parse.BranchNode, rootDot, bodyDot bool, set map[string]bool) {
	walk(b.Pipe, rootDot, set)
	walk(b.List, bodyDot, set)
	if b.ElseList != nil {
		walk(b.ElseList, rootDot, set)
	}
}
