package weather

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/worker"
	"github.com/novatrek/support/processors/weather/nws"
)

// runAlertPoll is the "alerts" worker: every WEATHER_ALERT_POLL, the active alerts of
// every known area.
func (a *app) runAlertPoll(ctx context.Context) error {
	return worker.Every("alerts", a.cfg.AlertPoll, a.log, a.oncePer("alerts", a.cfg.AlertPoll, a.pollAlerts))(ctx)
}

// runReassess is the "assess" worker: every WEATHER_ASSESS_INTERVAL, every upcoming
// departure against the current forecast (a refreshed forecast changes nothing until then).
func (a *app) runReassess(ctx context.Context) error {
	return worker.Every("assess", a.cfg.AssessEvery, a.log, a.oncePer("assess", a.cfg.AssessEvery, func(ctx context.Context) error {
		return a.reassessUpcoming(ctx, "forecast")
	}))(ctx)
}

// runRefreshed is the "refreshed" worker: each cell whose forecast was fetched anew has
// the upcoming departures of its areas re-assessed, each area in its own transaction.
func (a *app) runRefreshed(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case cell := <-a.refreshed:
			if err := a.reassessCell(ctx, cell); err != nil {
				a.log.Warn("weather: re-assessment after a forecast refresh failed; the next assess round retries",
					"cell", cell.Key(), "err", err)
			}
		}
	}
}

// reassessCell re-assesses the departures of the known areas in cell.
func (a *app) reassessCell(ctx context.Context, cell Point) error {
	areas, err := a.areas(ctx)
	if err != nil {
		return err
	}
	for _, ar := range areas {
		if ar.Key() != cell.Key() {
			continue
		}
		if err := pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
			return a.reassessLocation(ctx, tx, ar.LocationID, "forecast refreshed")
		}); err != nil {
			return err
		}
	}
	return nil
}

// oncePer makes round run on one instance per interval: the instance that takes the
// round's Valkey lease (nine tenths of the interval, never released early) runs it, the
// others skip. Their results would be the same (alerts and assessments are deduplicated in
// the store); this only keeps N instances from making N times the provider calls.
func (a *app) oncePer(name string, interval time.Duration, round worker.Round) worker.Round {
	return func(ctx context.Context) error {
		_, held, err := a.fetch.lock.acquire(ctx, a.fetch.cache.key("round", name), interval*9/10)
		if err != nil || !held {
			return err
		}
		return round(ctx)
	}
}

// pollAlerts polls each area in its own transaction: one area's provider failure does not
// hold back the others, and is reported with them.
func (a *app) pollAlerts(ctx context.Context) error {
	areas, err := a.areas(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ar := range areas {
		if err := a.pollArea(ctx, ar); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ar.LocationID, err))
		}
	}
	return errors.Join(errs...)
}

// pollArea fetches ar's active alerts and applies them.
func (a *app) pollArea(ctx context.Context, ar area) error {
	var alerts []nws.Alert
	if err := a.fetch.call(ctx, "alerts", func() (err error) {
		alerts, err = a.provider.ActiveAlerts(ctx, ar.Lat, ar.Lon)
		return err
	}); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		_, err := a.applyAlerts(ctx, tx, ar, alerts)
		return err
	})
}

// reassessUpcoming re-assesses every departure not yet over, each in its own transaction.
func (a *app) reassessUpcoming(ctx context.Context, cause string) error {
	rows, err := a.db.Query(ctx, `SELECT location_id FROM weather.departures WHERE ends_at > $1 GROUP BY location_id`, a.now())
	if err != nil {
		return err
	}
	locations, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	var errs []error
	for _, loc := range locations {
		if err := pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error { return a.reassessLocation(ctx, tx, loc, cause) }); err != nil {
			errs = append(errs, fmt.Errorf("weather: reassess %s: %w", loc, err))
		}
	}
	return errors.Join(errs...)
}

// reassessLocation re-assesses the upcoming departures at location in tx.
func (a *app) reassessLocation(ctx context.Context, tx pgx.Tx, location, cause string) error {
	rows, err := tx.Query(ctx, `SELECT departure_id, trip_id, location_id, schedule_id::text, starts_at, ends_at, recommendation, reasons
		FROM weather.departures WHERE location_id = $1 AND ends_at > $2 ORDER BY starts_at FOR UPDATE`, location, a.now())
	if err != nil {
		return err
	}
	deps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (departure, error) {
		var d departure
		var rec *string
		var reasons []byte
		if err := r.Scan(&d.ID, &d.TripID, &d.LocationID, &d.ScheduleID, &d.StartsAt, &d.EndsAt, &rec, &reasons); err != nil {
			return d, err
		}
		d.last, err = lastAssessment(rec, reasons)
		return d, err
	})
	if err != nil {
		return err
	}
	for _, d := range deps {
		if err := a.reassess(ctx, tx, d, cause); err != nil {
			return err
		}
	}
	return nil
}

// areas are the known areas, by location id.
func (a *app) areas(ctx context.Context) ([]area, error) {
	rows, err := a.db.Query(ctx, `SELECT location_id, latitude, longitude FROM weather.areas ORDER BY location_id`)
	if err != nil {
		return nil, fmt.Errorf("weather: areas: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (area, error) {
		var ar area
		return ar, r.Scan(&ar.LocationID, &ar.Lat, &ar.Lon)
	})
}
