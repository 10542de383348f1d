package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/weather/nws"
)

// gridInfo is what a cell resolves to: its forecast grid and nearest observation station.
type gridInfo struct {
	Grid    nws.Grid    `json:"grid"`
	Station nws.Station `json:"station"`
}

// GridTTL is how long a cell's grid and station are kept: offices re-grid rarely.
const GridTTL = 24 * time.Hour

// sources builds the three cached kinds: the grid of a cell (two upstream calls, kept a
// day), current conditions (one call, the spec's 5-minute TTL) and the hourly forecast (one
// call, also kept in forecast_cache).
func (a *app) sources() {
	a.grid = &source{kind: "grid", ttl: GridTTL, keep: GridTTL, load: a.loadGrid, calls: 2}
	a.conditions = &source{kind: "conditions", ttl: a.cfg.ConditionsTTL, keep: a.cfg.StaleMax, load: a.loadConditions, calls: 1, needs: a.grid,
		present: observationJSON}
	a.forecast = &source{kind: "forecast", ttl: a.cfg.ForecastTTL, keep: a.cfg.StaleMax, load: a.loadForecast, calls: 1, needs: a.grid,
		durable: forecastTable{a.db}, refreshed: a.forecastRefreshed}
	for _, src := range []*source{a.grid, a.conditions, a.forecast} {
		src.reads = a.fetch.m.readsOf(src.kind)
		if src.needs != nil {
			src.needs.needed = true
		}
	}
}

// forecastRefreshed hands a cell with a new forecast to the "refreshed" worker without
// waiting: the refresh may run inside a transaction that holds the departures the worker
// will lock. When the queue is full the "assess" round covers the cell instead.
func (a *app) forecastRefreshed(cell Point) {
	select {
	case a.refreshed <- cell:
	default:
		a.log.Warn("weather: re-assessment queue full; the next assess round covers the cell", "cell", cell.Key())
	}
}

func (a *app) loadGrid(ctx context.Context, cell Point) (loaded, error) {
	var g gridInfo
	if err := a.fetch.call(ctx, "points", func() (err error) {
		g.Grid, _, err = a.provider.Point(ctx, cell.Lat, cell.Lon)
		return err
	}); err != nil {
		return loaded{}, err
	}
	var stations []nws.Station
	if err := a.fetch.call(ctx, "stations", func() (err error) {
		stations, _, err = a.provider.Stations(ctx, g.Grid)
		return err
	}); err != nil {
		return loaded{}, err
	}
	if len(stations) == 0 {
		return loaded{}, fmt.Errorf("%w: grid %s %d,%d has no observation station", nws.ErrMalformed, g.Grid.Office, g.Grid.X, g.Grid.Y)
	}
	g.Station = nearest(cell, stations)
	seen := a.now()
	return loaded{data: g, record: func(ctx context.Context) error {
		err := a.record(ctx, `INSERT INTO weather.weather_stations (station_id, name, latitude, longitude, seen_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (station_id) DO UPDATE SET name = excluded.name,
		latitude = excluded.latitude, longitude = excluded.longitude, seen_at = excluded.seen_at`,
			g.Station.ID, g.Station.Name, g.Station.Lat, g.Station.Lon, seen)
		if err != nil {
			return fmt.Errorf("weather: record station %s: %w", g.Station.ID, err)
		}
		return nil
	}}, nil
}

// record writes a learnt fact (a station, an observation) without waiting for the WAL
// flush: losing the last rows in a crash loses only history the next reads learn again.
// It is one round trip, not four (BEGIN, SET LOCAL, the statement, COMMIT): a batch runs
// in one implicit transaction, which set_config(…, true) sets to commit asynchronously.
// It runs after the read that learnt the fact is answered (fetcher.keep).
func (a *app) record(ctx context.Context, sql string, args ...any) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	b.Queue(sql, args...)
	return a.db.SendBatch(ctx, b).Close()
}

func nearest(p Point, stations []nws.Station) nws.Station {
	best := stations[0]
	for _, s := range stations[1:] {
		if p.distanceKm(Point{s.Lat, s.Lon}) < p.distanceKm(Point{best.Lat, best.Lon}) {
			best = s
		}
	}
	return best
}

// gridOf reads cell's grid through the cache.
func (a *app) gridOf(ctx context.Context, cell Point) (gridInfo, error) {
	r, err := a.fetch.read(ctx, a.grid, cell)
	if err != nil {
		return gridInfo{}, err
	}
	var g gridInfo
	return g, json.Unmarshal(r.Data, &g)
}

func (a *app) loadConditions(ctx context.Context, cell Point) (loaded, error) {
	g, err := a.gridOf(ctx, cell)
	if err != nil {
		return loaded{}, err
	}
	var o nws.Observation
	var fresh time.Duration
	if err := a.fetch.call(ctx, "observations", func() (err error) {
		o, fresh, err = a.provider.LatestObservation(ctx, g.Station.ID)
		return err
	}); err != nil {
		return loaded{}, err
	}
	return loaded{data: o, fresh: fresh, record: func(ctx context.Context) error {
		body, err := json.Marshal(o)
		if err == nil {
			err = a.record(ctx, `INSERT INTO weather.observations (station_id, observed_at, body) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, o.StationID, o.ObservedAt, body)
		}
		if err != nil {
			return fmt.Errorf("weather: record observation of %s: %w", o.StationID, err)
		}
		return nil
	}}, nil
}

func (a *app) loadForecast(ctx context.Context, cell Point) (loaded, error) {
	g, err := a.gridOf(ctx, cell)
	if err != nil {
		return loaded{}, err
	}
	var l loaded
	err = a.fetch.call(ctx, "forecast", func() (err error) {
		var f nws.Forecast
		f, l.fresh, err = a.provider.HourlyForecast(ctx, g.Grid)
		l.data = f
		return err
	})
	return l, err
}

// forecastTable is forecast_cache: the durable level of forecasts.
type forecastTable struct{ db store.DB }

func (t forecastTable) get(ctx context.Context, cell string) (*entry, error) {
	var e entry
	err := t.db.QueryRow(ctx, `SELECT body, fetched_at, fresh_until FROM weather.forecast_cache WHERE cell = $1`, cell).
		Scan(&e.Data, &e.FetchedAt, &e.FreshUntil)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("weather: forecast_cache %s: %w", cell, err)
	}
	return &e, nil
}

func (t forecastTable) put(ctx context.Context, cell string, e *entry) error {
	_, err := t.db.Exec(ctx, `INSERT INTO weather.forecast_cache (cell, body, fetched_at, fresh_until) VALUES ($1, $2, $3, $4)
		ON CONFLICT (cell) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at, fresh_until = excluded.fresh_until
		WHERE forecast_cache.fetched_at < excluded.fetched_at`, cell, []byte(e.Data), e.FetchedAt, e.FreshUntil)
	if err != nil {
		return fmt.Errorf("weather: forecast_cache %s: %w", cell, err)
	}
	return nil
}
