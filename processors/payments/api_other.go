package payments

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/problem"
)

func (a *api) handleSaveMethod(w http.ResponseWriter, r *http.Request, body []byte) {
	guest, ok := pathUUID(w, r, "id", "guest")
	if !ok {
		return
	}
	now := a.core.now()
	req, prob := parseMethod(body, now)
	if prob != nil {
		problem.Write(w, r, prob)
		return
	}
	m, created, err := saveMethod(r.Context(), a.core.pool, &PaymentMethod{
		ID: uuid.New(), GuestID: guest, Provider: a.core.psp.Name(), ProviderToken: req.ProviderToken,
		Brand: req.Brand, Last4: req.Last4, ExpMonth: int16(req.ExpMonth), ExpYear: int16(req.ExpYear),
		CreatedBy: caller(r), CreatedAt: now,
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	jsonResponse(status, viewMethod(m), "").write(w)
}

func (a *api) handleListMethods(w http.ResponseWriter, r *http.Request, _ []byte) {
	guest, ok := pathUUID(w, r, "id", "guest")
	if !ok {
		return
	}
	ms, err := methodsOf(r.Context(), a.core.pool, guest)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	views := make([]methodView, len(ms))
	for i, m := range ms {
		views[i] = viewMethod(m)
	}
	jsonResponse(http.StatusOK, map[string]any{"guest_id": guest, "payment_methods": views}, "").write(w)
}

func (a *api) handleDispute(w http.ResponseWriter, r *http.Request, body []byte) {
	in, prob := parseDispute(r.PathValue("case_id"), body)
	if prob != nil {
		problem.Write(w, r, prob)
		return
	}
	rs := a.responder(r, func(v any) response {
		o := v.(disputeOutcome)
		status := http.StatusOK
		if o.created {
			status = http.StatusCreated
		}
		return jsonResponse(status, viewDispute(o.dispute), "")
	})
	d, created, err := a.core.putDispute(r.Context(), in, flowFrom(r), rs)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rs.write(w, disputeOutcome{dispute: d, created: created})
}

func (a *api) handleReconcile(w http.ResponseWriter, r *http.Request, _ []byte) {
	day, err := time.Parse(time.DateOnly, r.PathValue("date"))
	if err != nil {
		problem.Write(w, r, problem.Validation("The date must be YYYY-MM-DD.", problem.FieldError{Field: "date", Reason: "must be YYYY-MM-DD"}))
		return
	}
	rec, err := a.core.reconcile(r.Context(), day)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	jsonResponse(http.StatusOK, rec, "").write(w)
}
