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
	a.grid = &source{kind: "grid", ttl: GridTTL, keep: GridTTL, load: a.loadGrid}
	a.conditions = &source{kind: "conditions", ttl: a.cfg.ConditionsTTL, keep: a.cfg.StaleMax, load: a.loadConditions}
	a.forecast = &source{kind: "forecast", ttl: a.cfg.ForecastTTL, keep: a.cfg.StaleMax, load: a.loadForecast,
		durable: forecastTable{a.db}, refreshed: a.forecastRefreshed}
	for _, src := range []*source{a.grid, a.conditions, a.forecast} {
		src.reads = a.fetch.m.readsOf(src.kind)
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

func (a *app) loadGrid(ctx context.Context, cell Point) (any, time.Duration, error) {
	var g gridInfo
	if err := a.fetch.call(ctx, "points", func() (err error) {
		g.Grid, _, err = a.provider.Point(ctx, cell.Lat, cell.Lon)
		return err
	}); err != nil {
		return nil, 0, err
	}
	var stations []nws.Station
	if err := a.fetch.call(ctx, "stations", func() (err error) {
		stations, _, err = a.provider.Stations(ctx, g.Grid)
		return err
	}); err != nil {
		return nil, 0, err
	}
	if len(stations) == 0 {
		return nil, 0, fmt.Errorf("%w: grid %s %d,%d has no observation station", nws.ErrMalformed, g.Grid.Office, g.Grid.X, g.Grid.Y)
	}
	g.Station = nearest(cell, stations)
	if err := a.record(ctx, `INSERT INTO weather.weather_stations (station_id, name, latitude, longitude, seen_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (station_id) DO UPDATE SET name = excluded.name,
		latitude = excluded.latitude, longitude = excluded.longitude, seen_at = excluded.seen_at`,
		g.Station.ID, g.Station.Name, g.Station.Lat, g.Station.Lon, a.now()); err != nil {
		return nil, 0, fmt.Errorf("weather: record station %s: %w", g.Station.ID, err)
	}
	return g, 0, nil
}

// record writes a learnt fact (a station, an observation) without waiting for the WAL
// flush: a cold read waits on it, and losing the last rows in a crash loses only history
// the next reads learn again. It is one round trip, not four (BEGIN, SET LOCAL, the
// statement, COMMIT): a batch runs in one implicit transaction, which set_config(…, true)
// sets to commit asynchronously.
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

func (a *app) loadConditions(ctx context.Context, cell Point) (any, time.Duration, error) {
	g, err := a.gridOf(ctx, cell)
	if err != nil {
		return nil, 0, err
	}
	var o nws.Observation
	var fresh time.Duration
	if err := a.fetch.call(ctx, "observations", func() (err error) {
		o, fresh, err = a.provider.LatestObservation(ctx, g.Station.ID)
		return err
	}); err != nil {
		return nil, 0, err
	}
	body, err := json.Marshal(o)
	if err != nil {
		return nil, 0, err
	}
	if err := a.record(ctx, `INSERT INTO weather.observations (station_id, observed_at, body) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, o.StationID, o.ObservedAt, body); err != nil {
		return nil, 0, fmt.Errorf("weather: record observation of %s: %w", o.StationID, err)
	}
	return o, fresh, nil
}

func (a *app) loadForecast(ctx context.Context, cell Point) (any, time.Duration, error) {
	g, err := a.gridOf(ctx, cell)
	if err != nil {
		return nil, 0, err
	}
	var f nws.Forecast
	var fresh time.Duration
	err = a.fetch.call(ctx, "forecast", func() (err error) {
		f, fresh, err = a.provider.HourlyForecast(ctx, g.Grid)
		return err
	})
	return f, fresh, err
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
