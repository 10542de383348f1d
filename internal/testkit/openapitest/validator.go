package openapitest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// Doc validates exchanges against one OpenAPI document. It is safe for concurrent use
// (the validator is not: calls are serialized).
type Doc struct {
	mu      sync.Mutex
	v       validator.Validator
	problem *base.Schema // components.schemas.Problem: what unmatched routes answer
	schemas schema_validation.SchemaValidator
}

// docs holds one Doc per document per test binary: building one compiles every schema.
var docs = struct {
	sync.Mutex
	m map[[sha256.Size]byte]*loaded
}{m: map[[sha256.Size]byte]*loaded{}}

type loaded struct {
	once sync.Once
	doc  *Doc
	err  error
}

// Load returns the Doc for an OpenAPI document, built once per binary.
func Load(doc []byte) (*Doc, error) {
	sum := sha256.Sum256(doc)
	docs.Lock()
	l := docs.m[sum]
	if l == nil {
		l = &loaded{}
		docs.m[sum] = l
	}
	docs.Unlock()
	l.once.Do(func() { l.doc, l.err = build(doc) })
	return l.doc, l.err
}

func build(raw []byte) (*Doc, error) {
	d, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("openapitest: parse the document: %w", err)
	}
	model, err := d.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapitest: build the document's model: %w", err)
	}
	opts := []config.Option{config.WithFormatAssertions(), config.WithStrictMode()}
	v, errs := validator.NewValidator(d, opts...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapitest: build the validator: %w", errors.Join(errs...))
	}
	out := &Doc{v: v, schemas: schema_validation.NewSchemaValidator(opts...)}
	if c := model.Model.Components; c != nil && c.Schemas != nil {
		if p, ok := c.Schemas.Get("Problem"); ok && p != nil {
			out.problem = p.Schema()
		}
	}
	return out, nil
}

// Check returns what is wrong with resp as the answer to req, one line per finding (none
// when the document allows it). body is resp's body, read already. A request no route of
// the document matches is the edge's 404 or 405: its body must be the document's Problem.
func (d *Doc) Check(req *http.Request, resp *http.Response, body []byte) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	ok, errs := d.v.ValidateHttpResponse(req, resp)
	if ok {
		return nil
	}
	if unmatched(errs) {
		return d.checkUnmatched(resp, body, errs)
	}
	return describe(errs)
}

func unmatched(errs []*liberrors.ValidationError) bool {
	for _, e := range errs {
		if e.IsPathMissingError() || e.IsOperationMissingError() {
			return true
		}
	}
	return false
}

func (d *Doc) checkUnmatched(resp *http.Response, body []byte, errs []*liberrors.ValidationError) []string {
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		return append([]string{fmt.Sprintf("status %d on a route the document does not list", resp.StatusCode)}, describe(errs)...)
	}
	if d.problem == nil {
		return []string{"the document has no components.schemas.Problem for the edge's 404/405"}
	}
	if ok, perrs := d.schemas.ValidateSchemaBytes(d.problem, body); !ok {
		return describe(perrs)
	}
	return nil
}

// describe renders findings with where in the schema each failed.
func describe(errs []*liberrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		s := e.Message
		if e.Reason != "" && e.Reason != e.Message {
			s += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			where := f.FieldPath
			if where == "" {
				where = f.KeywordLocation
			}
			s += fmt.Sprintf(" [%s: %s]", where, f.Reason)
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out
}
