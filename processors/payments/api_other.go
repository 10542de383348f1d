package payments

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/problem"
)

func (a *app) handleSaveMethod(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	guest, err := pathUUID(r, "id", "guest")
	if err != nil {
		return err
	}
	now := a.core.now()
	req, prob := parseMethod(body, now)
	if prob != nil {
		return prob
	}
	m, created, err := saveMethod(r.Context(), a.core.pool, &PaymentMethod{
		ID: uuid.New(), GuestID: guest, Provider: a.core.psp.Name(), ProviderToken: req.ProviderToken,
		Brand: req.Brand, Last4: req.Last4, ExpMonth: int16(req.ExpMonth), ExpYear: int16(req.ExpYear),
		CreatedBy: caller(r), CreatedAt: now,
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	write(w, jsonResponse(status, viewMethod(m), ""))
	return nil
}

func (a *app) handleListMethods(w http.ResponseWriter, r *http.Request) error {
	guest, err := pathUUID(r, "id", "guest")
	if err != nil {
		return err
	}
	ms, err := methodsOf(r.Context(), a.core.pool, guest)
	if err != nil {
		return err
	}
	views := make([]methodView, len(ms))
	for i, m := range ms {
		views[i] = viewMethod(m)
	}
	write(w, jsonResponse(http.StatusOK, map[string]any{"guest_id": guest, "payment_methods": views}, ""))
	return nil
}

func (a *app) handleDispute(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	in, prob := parseDispute(r.PathValue("case_id"), body)
	if prob != nil {
		return prob
	}
	rs := idempotency.NewResponder(r, func(v any) response {
		o := v.(disputeOutcome)
		status := http.StatusOK
		if o.created {
			status = http.StatusCreated
		}
		return jsonResponse(status, viewDispute(o.dispute), "")
	})
	d, created, err := a.core.putDispute(r.Context(), in, flowFrom(r), rs)
	if err != nil {
		return err
	}
	rs.Write(w, disputeOutcome{dispute: d, created: created})
	return nil
}

func (a *app) handleReconcile(w http.ResponseWriter, r *http.Request) error {
	day, err := time.Parse(time.DateOnly, r.PathValue("date"))
	if err != nil {
		return problem.Validation("The date must be YYYY-MM-DD.", problem.FieldError{Field: "date", Reason: "must be YYYY-MM-DD"})
	}
	rec, err := a.core.reconcile(r.Context(), day)
	if err != nil {
		return err
	}
	write(w, jsonResponse(http.StatusOK, rec, ""))
	return nil
}
