-- svc-location-services: places with real geometry, their live capacity and their hours.
-- PostGIS lives in public (the migration search path keeps public after the schema), so
-- geometry, geography and the ST_ functions resolve for every service's connections.
CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;

-- Locations: sites and pickups are points, parks, zones and service areas polygons, trails
-- lines, all WGS 84 (SRID 4326). version comes from one sequence, so the highest version is
-- the map's revision: tiles' ETags change whenever any location does.
CREATE SEQUENCE location_version;

CREATE TABLE locations (
    location_id     text PRIMARY KEY CHECK (location_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('site', 'pickup', 'park', 'zone', 'service_area', 'trail')),
    geom            geometry(Geometry, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    -- IANA zone: looked up from the coordinates unless time_zone_source is 'override'.
    time_zone       text NOT NULL,
    time_zone_source text NOT NULL CHECK (time_zone_source IN ('lookup', 'override')),
    -- Capacity is optional: a trail or a service area has none.
    capacity        integer CHECK (capacity > 0),
    occupancy       integer NOT NULL DEFAULT 0 CHECK (occupancy >= 0),
    alert_percent   integer NOT NULL DEFAULT 90 CHECK (alert_percent BETWEEN 1 AND 100),
    clear_percent   integer NOT NULL DEFAULT 80,
    -- alerting is the hysteresis state: set when occupancy reaches alert_percent, cleared
    -- only at clear_percent or below, so a count flapping at one line raises one alert.
    alerting        boolean NOT NULL DEFAULT false,
    version         bigint NOT NULL DEFAULT nextval('location_version'),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (clear_percent >= 0 AND clear_percent < alert_percent)
);

CREATE INDEX locations_geom ON locations USING gist (geom);
-- Nearby and radius queries work in metres on the sphere: geography's own index.
CREATE INDEX locations_geog ON locations USING gist ((geom::geography));
CREATE INDEX locations_version ON locations (version);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX locations_name ON locations USING gin (lower(name) gin_trgm_ops);

-- capacity_records: every change of occupancy, the check-in's id or the adjustment's
-- reference unique, so the same check-in counts once even under a new event id.
CREATE TABLE capacity_records (
    record_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    location_id     text NOT NULL REFERENCES locations,
    source          text NOT NULL CHECK (source IN ('checkin', 'adjustment')),
    source_id       text NOT NULL,
    event_id        uuid,
    delta           integer NOT NULL,
    occupancy_after integer NOT NULL,
    alert           text CHECK (alert IN ('RISING', 'FALLING')),
    reason          text,
    recorded_at     timestamptz NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX capacity_records_location ON capacity_records (location_id, record_id);

-- operating_hours: regular weekly spans (weekday 0 = Sunday) and exceptions on a date,
-- in the location's local time. closes <= opens is an overnight span into the next day;
-- an exception with closed = true closes the whole date.
CREATE TABLE operating_hours (
    location_id     text NOT NULL REFERENCES locations ON DELETE CASCADE,
    weekday         smallint CHECK (weekday BETWEEN 0 AND 6),
    on_date         date,
    opens           time,
    closes          time,
    closed          boolean NOT NULL DEFAULT false,
    CHECK ((weekday IS NULL) <> (on_date IS NULL)),
    CHECK (closed OR (opens IS NOT NULL AND closes IS NOT NULL)),
    CHECK (NOT closed OR on_date IS NOT NULL)
);
CREATE INDEX operating_hours_location ON operating_hours (location_id);

-- guest_positions: each guest's last known fix (emergency response asks for it); a late,
-- older fix never replaces a newer one.
CREATE TABLE guest_positions (
    guest_id        uuid PRIMARY KEY,
    latitude        double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude       double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    accuracy_meters double precision CHECK (accuracy_meters >= 0),
    source          text NOT NULL CHECK (source IN ('checkin', 'device')),
    reservation_id  uuid,
    location_id     text,
    recorded_at     timestamptz NOT NULL,
    event_id        uuid NOT NULL
);

-- guest_position_history: the recent trail of fixes per guest, bounded by the handler
-- (the newest positionHistory fixes per guest are kept).
CREATE TABLE guest_position_history (
    guest_id        uuid NOT NULL,
    recorded_at     timestamptz NOT NULL,
    latitude        double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude       double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    accuracy_meters double precision CHECK (accuracy_meters >= 0),
    source          text NOT NULL,
    event_id        uuid NOT NULL,
    PRIMARY KEY (guest_id, recorded_at, event_id)
);
