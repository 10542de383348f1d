package payments

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/telemetry"
)

// metrics of svc-payments, registered on the Registerer the platform passes in (which adds
// service="svc-payments").
type metrics struct {
	payments         *prometheus.CounterVec
	fraudDecisions   *prometheus.CounterVec
	fraudUnavailable prometheus.Counter
	refunds          *prometheus.CounterVec
	disputes         *prometheus.CounterVec
	evaluations      *prometheus.CounterVec
	recovered        prometheus.Counter
	mismatches       prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_payments_total",
			Help: "Payments that reached a final status, by type and status."}, []string{"type", "status"}),
		fraudDecisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_payments_fraud_decisions_total",
			Help: "Fraud screening decisions; fallback=true when the fraud service was down and the fail-open policy decided."},
			[]string{"decision", "fallback"}),
		fraudUnavailable: prometheus.NewCounter(prometheus.CounterOpts{Name: "novatrek_payments_fraud_fail_closed_total",
			Help: "Payments refused because the fraud service was down and the amount was above the fail-open limit."}),
		refunds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_payments_refunds_total",
			Help: "Refunds that reached a final status."}, []string{"status"}),
		disputes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_payments_dispute_transitions_total",
			Help: "Dispute status changes, by new status."}, []string{"status"}),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_payments_refund_evaluations_total",
			Help: "Refund policy evaluations made for cancelled reservations, by decision."}, []string{"decision"}),
		recovered: prometheus.NewCounter(prometheus.CounterOpts{Name: "novatrek_payments_recovered_total",
			Help: "Payments left processing by a dead request that the recovery loop finished."}),
		mismatches: prometheus.NewGauge(prometheus.GaugeOpts{Name: "novatrek_payments_reconciliation_mismatches",
			Help: "Mismatches between the ledger and the payments tables found by the last reconciliation."}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	for _, c := range []**prometheus.CounterVec{&m.payments, &m.fraudDecisions, &m.refunds, &m.disputes, &m.evaluations} {
		if err == nil {
			*c, err = telemetry.Register(reg, *c)
		}
	}
	if err == nil {
		m.fraudUnavailable, err = telemetry.Register(reg, m.fraudUnavailable)
	}
	if err == nil {
		m.recovered, err = telemetry.Register(reg, m.recovered)
	}
	if err == nil {
		m.mismatches, err = telemetry.Register(reg, m.mismatches)
	}
	if err != nil {
		return nil, fmt.Errorf("register payments metrics: %w", err)
	}
	return m, nil
}
