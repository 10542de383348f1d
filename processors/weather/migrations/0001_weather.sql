-- svc-weather's store. The spec's three tables (weather_stations, forecast_cache,
-- alert_history) plus what the issue's cancellation triggers need: the watched areas and
-- their activity, the editable risk thresholds, the scheduled departures with their last
-- assessment, the per-location alert notices (what was emitted) and the observation log the
-- history endpoint correlates. Current conditions live in Valkey only.

-- Observation stations learnt from the provider (a point's grid lists them).
CREATE TABLE weather_stations (
    station_id  text PRIMARY KEY,
    name        text NOT NULL,
    latitude    double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude   double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    seen_at     timestamptz NOT NULL
);

-- Forecasts per grid cell (0.01°), so that a restart or a cold Valkey does not stampede the
-- provider: a fresh row refills Valkey without an upstream call.
CREATE TABLE forecast_cache (
    cell         text PRIMARY KEY,
    body         jsonb NOT NULL,
    fetched_at   timestamptz NOT NULL,
    fresh_until  timestamptz NOT NULL
);

-- Every CAP message seen, once by its identity (sender + identifier). chain_id is the
-- message_id of the Alert that started the chain its References lead to.
CREATE TABLE alert_history (
    message_id    uuid PRIMARY KEY,
    sender        text NOT NULL,
    identifier    text NOT NULL,
    chain_id      uuid NOT NULL,
    message_type  text NOT NULL CHECK (message_type IN ('Alert', 'Update', 'Cancel')),
    refs          text[] NOT NULL DEFAULT '{}',
    event         text NOT NULL,
    alert_type    text NOT NULL,
    severity      text NOT NULL,
    headline      text NOT NULL,
    description   text NOT NULL,
    sent          timestamptz NOT NULL,
    effective     timestamptz NOT NULL,
    expires       timestamptz NOT NULL,
    -- active: the chain's latest message; superseded: an Update replaced it; cancelled.
    status        text NOT NULL CHECK (status IN ('active', 'superseded', 'cancelled')),
    area_lat      double precision NOT NULL,
    area_lon      double precision NOT NULL,
    radius_km     double precision NOT NULL,
    first_seen    timestamptz NOT NULL,
    UNIQUE (sender, identifier)
);
CREATE INDEX alert_history_chain ON alert_history (chain_id);

-- Which location was told what about which message: one row per emitted event, so
-- overlapping polls (and two instances) emit each at most once.
CREATE TABLE alert_notices (
    message_id   uuid NOT NULL REFERENCES alert_history,
    location_id  text NOT NULL,
    chain_id     uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('issued', 'updated', 'cancelled')),
    noticed_at   timestamptz NOT NULL,
    PRIMARY KEY (message_id, location_id)
);
CREATE INDEX alert_notices_location ON alert_notices (location_id, chain_id);

-- Known areas: trail areas and departure locations, with the activity whose thresholds apply.
CREATE TABLE areas (
    location_id  text PRIMARY KEY,
    name         text NOT NULL,
    latitude     double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude    double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    activity     text NOT NULL
);

-- The thresholds per activity ('*' applies to every activity without its own row). Editable:
-- UPDATE a row and the next assessment uses it. direction 'above' means values at or above
-- the threshold count (wind), 'below' at or below (cold, visibility).
CREATE TABLE risk_thresholds (
    activity   text NOT NULL,
    factor     text NOT NULL CHECK (factor IN ('wind_kmh', 'gust_kmh', 'precip_pct', 'lightning_pct',
                                               'heat_index_c', 'cold_c', 'visibility_m')),
    direction  text NOT NULL CHECK (direction IN ('above', 'below')),
    caution    double precision NOT NULL,
    cancel     double precision NOT NULL,
    PRIMARY KEY (activity, factor),
    CHECK ((direction = 'above' AND cancel >= caution) OR (direction = 'below' AND cancel <= caution))
);

-- Scheduled departures (from schedule.published) and their last emitted assessment.
CREATE TABLE departures (
    departure_id    text PRIMARY KEY,
    trip_id         text NOT NULL,
    location_id     text NOT NULL,
    schedule_id     uuid NOT NULL,
    revision        int NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    recommendation  text,
    reasons         jsonb NOT NULL DEFAULT '[]',
    assessed_at     timestamptz,
    event_id        uuid NOT NULL  -- the schedule.published that last set it
);
CREATE INDEX departures_location ON departures (location_id, ends_at);

-- Observations as fetched (about one per cell per 5 minutes of demand): what the history
-- endpoint correlates with alerts over a time range.
CREATE TABLE observations (
    station_id   text NOT NULL,
    observed_at  timestamptz NOT NULL,
    body         jsonb NOT NULL,
    PRIMARY KEY (station_id, observed_at)
);

-- Every emitted assessment, append-only: the audit of what was recommended when and why.
-- cause is the event id of the schedule.published, or what changed ("alert <id>", "forecast").
CREATE TABLE assessment_log (
    departure_id    text NOT NULL,
    cause           text NOT NULL,
    recommendation  text NOT NULL,
    reasons         jsonb NOT NULL,
    assessed_at     timestamptz NOT NULL
);
CREATE INDEX assessment_log_departure ON assessment_log (departure_id, assessed_at);
