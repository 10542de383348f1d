-- svc-reviews' store: the spec's three tables (reviews, review_helpful_votes,
-- rating_aggregates) and the service's own copy of reservation states, which gates
-- submission without a synchronous call in the common case.

-- reservations: the latest state of each reservation this service has heard of, from
-- reservation.status-changed or, when the event was still in flight, from svc-reservations.
-- status_at orders them: an older fact never overwrites a newer one.
CREATE TABLE reservations (
    reservation_id uuid PRIMARY KEY,
    guest_id       uuid NOT NULL,
    trip_id        text NOT NULL,
    departure_date date,
    status         text NOT NULL,
    status_at      timestamptz NOT NULL,
    source         text NOT NULL CHECK (source IN ('event', 'svc-reservations'))
);

-- reservation_status_log: every status event applied, one row each (append-only), so a
-- double application would show and an operator can see what the gate knew when.
CREATE TABLE reservation_status_log (
    event_id       uuid NOT NULL,
    reservation_id uuid NOT NULL,
    status         text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reservation_status_log_reservation ON reservation_status_log (reservation_id, occurred_at);

CREATE TABLE reviews (
    review_id      uuid PRIMARY KEY,
    -- One review per reservation: the second submission finds this one.
    reservation_id uuid NOT NULL UNIQUE,
    guest_id       uuid NOT NULL,
    trip_id        text NOT NULL,
    guide_id       text,
    rating         smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    guide_rating   smallint CHECK (guide_rating BETWEEN 1 AND 5),
    title          text,
    body           text NOT NULL,
    language       text NOT NULL,
    trip_date      date NOT NULL,
    -- pending: flagged by the automatic check, waiting for a moderator; published: public,
    -- counted and searchable; rejected: a moderator refused it.
    status         text NOT NULL CHECK (status IN ('pending', 'published', 'rejected')),
    moderation     text,
    -- _rev: the optimistic lock, +1 on every change; the API's ETag.
    rev            integer NOT NULL DEFAULT 1 CHECK (rev > 0),
    helpful_yes    integer NOT NULL DEFAULT 0 CHECK (helpful_yes >= 0),
    helpful_total  integer NOT NULL DEFAULT 0 CHECK (helpful_total >= helpful_yes),
    -- Wilson score lower bound (95%) of the helpful share: "most helpful" ranks a review
    -- 40 of 45 found helpful above one 2 of 2 did.
    helpful_score  double precision GENERATED ALWAYS AS (
        CASE WHEN helpful_total = 0 THEN 0 ELSE
            ((helpful_yes::float8 / helpful_total) + 1.9208 / helpful_total
             - 1.96 * sqrt(((helpful_yes::float8 / helpful_total) * (1 - helpful_yes::float8 / helpful_total)
                            + 0.9604 / helpful_total) / helpful_total))
            / (1 + 3.8416 / helpful_total)
        END) STORED,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    published_at   timestamptz,
    -- The title weighs more than the body in ranking (A over B).
    search         tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', body), 'B')) STORED,
    CHECK (guide_rating IS NULL OR guide_id IS NOT NULL),
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);
CREATE INDEX reviews_search ON reviews USING gin (search) WHERE status = 'published';
CREATE INDEX reviews_trip_recent ON reviews (trip_id, published_at DESC, review_id DESC) WHERE status = 'published';
CREATE INDEX reviews_trip_helpful ON reviews (trip_id, helpful_score DESC, review_id DESC) WHERE status = 'published';
CREATE INDEX reviews_guide_recent ON reviews (guide_id, published_at DESC, review_id DESC) WHERE status = 'published';
CREATE INDEX reviews_guide_helpful ON reviews (guide_id, helpful_score DESC, review_id DESC) WHERE status = 'published';
CREATE INDEX reviews_pending ON reviews (created_at, review_id) WHERE status = 'pending';
CREATE INDEX reviews_guest ON reviews (guest_id);

-- One vote per guest per review; a guest may change it.
CREATE TABLE review_helpful_votes (
    review_id uuid NOT NULL REFERENCES reviews ON DELETE CASCADE,
    guest_id  uuid NOT NULL,
    helpful   boolean NOT NULL,
    voted_at  timestamptz NOT NULL,
    PRIMARY KEY (review_id, guest_id)
);

-- rating_aggregates: per trip (the reviews' rating) and per guide (their guide_rating), kept
-- in the transaction of every change of a published review. The mean and the Bayesian
-- average are derived at read time from these sums.
CREATE TABLE rating_aggregates (
    target_type  text NOT NULL CHECK (target_type IN ('TRIP', 'GUIDE')),
    target_id    text NOT NULL,
    review_count bigint NOT NULL CHECK (review_count >= 0),
    rating_sum   bigint NOT NULL CHECK (rating_sum >= 0),
    stars_1      bigint NOT NULL CHECK (stars_1 >= 0),
    stars_2      bigint NOT NULL CHECK (stars_2 >= 0),
    stars_3      bigint NOT NULL CHECK (stars_3 >= 0),
    stars_4      bigint NOT NULL CHECK (stars_4 >= 0),
    stars_5      bigint NOT NULL CHECK (stars_5 >= 0),
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (target_type, target_id),
    CHECK (review_count = stars_1 + stars_2 + stars_3 + stars_4 + stars_5),
    CHECK (rating_sum = stars_1 + 2 * stars_2 + 3 * stars_3 + 4 * stars_4 + 5 * stars_5)
);
