package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AnalyticsCaller is the caller the console reads svc-analytics' dashboards as: the
// analysts' BI caller, the one that may read every dashboard (booking trends, revenue,
// utilization, satisfaction, safety, forecasts).
const AnalyticsCaller = "analytics-bi"

// AnalyticsAPI is svc-analytics' HTTP API, which the Analytics page charts. The console
// reads it over HTTP like any other client (it never imports the service): in the dev stack
// at the stack's /svc-analytics/, against a cluster wherever the service runs.
type AnalyticsAPI struct {
	// URL is the API's base, e.g. http://127.0.0.1:8080/svc-analytics. Required.
	URL string
	// Token is the bearer token of AnalyticsCaller. Never shown on a page.
	Token string
	// Client; default one with a 10 s timeout.
	Client *http.Client
}

// apiProblem is a problem+json answer of the API: its status, title and detail, shown to
// the reader as they are (they are written for people).
type apiProblem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

func (p *apiProblem) Error() string {
	s := p.Title
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	for _, e := range p.Errors {
		s += fmt.Sprintf(" (%s %s)", e.Field, e.Reason)
	}
	return s
}

// get reads path with query into v. An answer other than 200 is an *apiProblem when the
// API explained it, else an error naming the status; rebuilding is the Analytics-Rebuild
// header of the answer (the service is replaying: the figures are partial).
func (a *AnalyticsAPI) get(ctx context.Context, path string, q url.Values, v any) (rebuilding string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(a.URL, "/")+path+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("svc-analytics: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Accept", "application/json")
	cl := a.Client
	if cl == nil {
		cl = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := cl.Do(req)
	if err != nil {
		return "", fmt.Errorf("svc-analytics is not reachable: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", fmt.Errorf("svc-analytics %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		p := &apiProblem{}
		if json.Unmarshal(body, p) != nil || p.Title == "" {
			return "", fmt.Errorf("svc-analytics %s answered %s", path, resp.Status)
		}
		p.Status = resp.StatusCode
		return "", p
	}
	if err := json.Unmarshal(body, v); err != nil {
		return "", fmt.Errorf("svc-analytics %s: the answer is not the expected JSON: %w", path, err)
	}
	return resp.Header.Get("Analytics-Rebuild"), nil
}

// problemStatus is err's API status when it is a problem answer, else 0.
func problemStatus(err error) int {
	var p *apiProblem
	if errors.As(err, &p) {
		return p.Status
	}
	return 0
}
