-- svc-loyalty-rewards: the spec's collections (members, point_transactions, tiers,
-- redemptions) as PostgreSQL tables with JSONB documents where the spec asks for flexible
-- schemas, plus the earning rule table, the reward catalog and the earning lots that
-- redemptions and expiry consume. search_path is "loyalty". Points are whole numbers.

-- The tier ladder: a member reaches a tier when the points earned in the rolling window
-- reach its threshold (see tiers.go for the hysteresis on the way down). doc holds the
-- tier's benefits, as flexible as marketing wants them.
CREATE TABLE tiers (
	code            text    PRIMARY KEY,
	rank            int     NOT NULL UNIQUE,
	threshold       bigint  NOT NULL CHECK (threshold >= 0),
	earn_multiplier numeric NOT NULL DEFAULT 1 CHECK (earn_multiplier > 0),
	doc             jsonb   NOT NULL DEFAULT '{}'
);

-- One document per member (a guest profile). balance is the sum of the member's
-- point_transactions, kept in the same transaction as every entry; qualifying_points is
-- what the last tier calculation counted. profile keeps the registration's attributes as
-- given (flexible: whatever svc-guest-profiles sends).
CREATE TABLE members (
	guest_id          uuid        PRIMARY KEY,
	tier              text        NOT NULL REFERENCES tiers (code),
	balance           bigint      NOT NULL DEFAULT 0,
	qualifying_points bigint      NOT NULL DEFAULT 0,
	tier_since        timestamptz NOT NULL,
	enrolled_at       timestamptz NOT NULL,
	enrolled_by       text        NOT NULL CHECK (enrolled_by IN ('registration', 'profile')),
	profile           jsonb       NOT NULL DEFAULT '{}',
	updated_at        timestamptz NOT NULL
);

-- The ledger: every change of a balance is one entry, never edited. source is what caused
-- it (the event id, the redemption id, the staff request), so the same cause cannot book
-- twice. A reversal names the entry it compensates (reverses). seq orders the entries for
-- keyset paging. The CHECK on points is the last guard against an absurd amount (a booking
-- priced in billions is a data error upstream, not ten million points).
CREATE TABLE point_transactions (
	id             uuid        PRIMARY KEY,
	seq            bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
	guest_id       uuid        NOT NULL REFERENCES members (guest_id),
	kind           text        NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust', 'reverse')),
	points         bigint      NOT NULL CHECK (points <> 0 AND abs(points) <= 10000000),
	balance_after  bigint      NOT NULL,
	source         text        NOT NULL,
	source_event_id uuid,
	reservation_id uuid,
	redemption_id  uuid,
	reverses       uuid        REFERENCES point_transactions (id),
	reason         text,
	detail         jsonb       NOT NULL DEFAULT '{}',
	occurred_at    timestamptz NOT NULL,
	recorded_at    timestamptz NOT NULL,
	UNIQUE (guest_id, kind, source)
);
CREATE INDEX point_transactions_member ON point_transactions (guest_id, seq DESC);
CREATE INDEX point_transactions_reservation ON point_transactions (reservation_id) WHERE reservation_id IS NOT NULL;
CREATE INDEX point_transactions_event ON point_transactions (source_event_id) WHERE source_event_id IS NOT NULL;
CREATE UNIQUE INDEX point_transactions_reversed_once ON point_transactions (reverses) WHERE reverses IS NOT NULL;
CREATE INDEX point_transactions_qualifying ON point_transactions (guest_id, occurred_at) WHERE kind = 'earn';

-- Earning lots: the points an entry credited (an earning, a positive adjustment) and what
-- is left of them; they expire on expires_on. Debits take from the lots that expire first.
-- While a member's balance is positive, the lots' remaining sum to it; while it is
-- negative (points reversed after they were spent), every lot is empty.
CREATE TABLE lots (
	entry_id   uuid   PRIMARY KEY REFERENCES point_transactions (id),
	guest_id   uuid   NOT NULL,
	expires_on date   NOT NULL,
	remaining  bigint NOT NULL CHECK (remaining >= 0)
);
CREATE INDEX lots_open ON lots (guest_id, expires_on, entry_id) WHERE remaining > 0;

-- Which lots a debit took how much from, so that cancelling a redemption puts the points
-- back where they came from (with their original expiry).
CREATE TABLE lot_draws (
	entry_id uuid   NOT NULL REFERENCES point_transactions (id),
	lot_id   uuid   NOT NULL REFERENCES lots (entry_id),
	points   bigint NOT NULL CHECK (points > 0),
	PRIMARY KEY (entry_id, lot_id)
);

-- The reward catalog: flexible documents (doc) beside the fields the service decides on.
CREATE TABLE rewards (
	id             text    PRIMARY KEY,
	name           text    NOT NULL,
	points_cost    bigint  NOT NULL CHECK (points_cost > 0),
	value_amount   numeric,
	value_currency text,
	active         boolean NOT NULL DEFAULT true,
	doc            jsonb   NOT NULL DEFAULT '{}'
);

-- One row per redemption; cancelling puts its points back (a reverse entry) and marks it.
CREATE TABLE redemptions (
	id             uuid        PRIMARY KEY,
	guest_id       uuid        NOT NULL REFERENCES members (guest_id),
	reward_id      text        NOT NULL REFERENCES rewards (id),
	points         bigint      NOT NULL CHECK (points > 0),
	reservation_id uuid,
	status         text        NOT NULL CHECK (status IN ('active', 'cancelled')),
	caller         text        NOT NULL,
	reward         jsonb       NOT NULL,
	created_at     timestamptz NOT NULL,
	cancelled_at   timestamptz
);
CREATE INDEX redemptions_member ON redemptions (guest_id, created_at DESC);

-- The earning rule table (see rules.go): base points per currency unit, multipliers by
-- trip type, promotions with dates (multiplier and/or bonus, valid_from inclusive,
-- valid_to exclusive).
CREATE TABLE earning_rules (
	id              text    PRIMARY KEY,
	kind            text    NOT NULL CHECK (kind IN ('base', 'trip_type', 'promotion')),
	currency        char(3) CHECK ((kind = 'base') = (currency IS NOT NULL)),
	points_per_unit numeric CHECK ((kind = 'base') = (points_per_unit IS NOT NULL) AND (points_per_unit IS NULL OR points_per_unit >= 0)),
	trip_type       text    CHECK ((kind = 'trip_type') = (trip_type IS NOT NULL)),
	multiplier      numeric NOT NULL DEFAULT 1 CHECK (multiplier > 0),
	bonus           bigint  NOT NULL DEFAULT 0 CHECK (bonus >= 0),
	valid_from      date,
	valid_to        date    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from),
	doc             jsonb   NOT NULL DEFAULT '{}'
);
