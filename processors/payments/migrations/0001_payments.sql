-- svc-payments: the spec's tables (payments, refunds, payment_methods, daily_summaries,
-- disputes, refund_policy_evaluations) and a double-entry ledger. search_path is "payments".
-- Money is bigint minor units beside an ISO 4217 code; never floating point.

-- Cards as the provider tokenized them: a token, brand, last four digits and expiry. Never a
-- card number (PCI-DSS): the API refuses anything shaped like one before it gets here.
CREATE TABLE payment_methods (
	id             uuid        PRIMARY KEY,
	guest_id       uuid        NOT NULL,
	provider       text        NOT NULL,
	provider_token text        NOT NULL CHECK (provider_token ~ '^[A-Za-z0-9_]{3,255}$'),
	brand          text        NOT NULL,
	last4          char(4)     NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
	exp_month      smallint    NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
	exp_year       smallint    NOT NULL CHECK (exp_year BETWEEN 2000 AND 2200),
	created_by     text        NOT NULL,
	created_at     timestamptz NOT NULL,
	UNIQUE (guest_id, provider, provider_token)
);

-- One row per deposit or commission. The row is written (status processing) and committed
-- BEFORE the provider is called, so a crash after the provider acted leaves a row that a
-- retry resumes with the same provider idempotency keys (derived from id).
CREATE TABLE payments (
	id                  uuid        PRIMARY KEY,
	caller              text        NOT NULL,                -- who asked (apiauth caller)
	idempotency_key     text        NOT NULL,                -- the caller's Idempotency-Key
	request_hash        bytea       NOT NULL,                -- fingerprint of the request
	type                text        NOT NULL CHECK (type IN ('DEPOSIT', 'COMMISSION')),
	reservation_id      uuid        NOT NULL,
	guest_id            uuid        NOT NULL,
	partner_id          text,                                -- COMMISSION: the partner paid
	partner_account     text,                                -- COMMISSION: provider account paid out to
	currency            char(3)     NOT NULL,
	amount_minor        bigint      NOT NULL CHECK (amount_minor > 0),
	authorized_minor    bigint      NOT NULL DEFAULT 0 CHECK (authorized_minor >= 0),
	captured_minor      bigint      NOT NULL DEFAULT 0 CHECK (captured_minor >= 0),
	-- refunded: succeeded plus pending refunds (reserved when the refund is created, so two
	-- concurrent refunds cannot both pass the check); disputed: open disputes; charged back:
	-- disputes lost or accepted.
	refunded_minor      bigint      NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
	disputed_minor      bigint      NOT NULL DEFAULT 0 CHECK (disputed_minor >= 0),
	charged_back_minor  bigint      NOT NULL DEFAULT 0 CHECK (charged_back_minor >= 0),
	capture             boolean     NOT NULL,                -- capture at once (deposit) or authorize only
	method              text        NOT NULL CHECK (method IN ('CARD', 'BANK_TRANSFER')),
	payment_method_id   uuid        REFERENCES payment_methods (id),
	provider            text        NOT NULL,
	provider_token      text,                                -- pm_...: a token, never a card number
	provider_reference  text,                                -- pi_... / tr_...
	card_brand          text,
	card_last4          char(4)     CHECK (card_last4 ~ '^[0-9]{4}$'),
	status              text        NOT NULL CHECK (status IN (
		'processing', 'authorized', 'captured', 'paid', 'voided', 'declined', 'blocked')),
	fraud_decision      text        CHECK (fraud_decision IN ('accept', 'review', 'reject')),
	fraud_score         double precision CHECK (fraud_score BETWEEN 0 AND 1),
	fraud_assessment_id text,
	fraud_fallback      boolean     NOT NULL DEFAULT false,  -- the fraud service was down; fail-open decided
	decline_code        text,
	description         text,
	correlation_id      uuid        NOT NULL,
	created_at          timestamptz NOT NULL,
	updated_at          timestamptz NOT NULL,
	authorized_at       timestamptz,
	captured_at         timestamptz,
	voided_at           timestamptz,
	UNIQUE (caller, idempotency_key),
	CHECK (captured_minor <= authorized_minor OR type = 'COMMISSION'),
	CHECK (refunded_minor + disputed_minor + charged_back_minor <= captured_minor)
);
-- Every payment row is written twice (processing, then its outcome) and again by refunds
-- and disputes. No index covers a column those updates change, and pages keep room, so the
-- updates are HOT (heap-only: no index maintenance). Keep it so: index only immutable
-- columns of payments.
ALTER TABLE payments SET (fillfactor = 80);
CREATE INDEX payments_reservation ON payments (reservation_id, created_at);
-- The recovery loop scans recent payments for ones a crash left in processing.
CREATE INDEX payments_created_at ON payments (created_at);

-- What the refund policy said, every time it was asked: by the refund API or because a
-- reservation was cancelled. Kept even when the answer is "no refund".
CREATE TABLE refund_policy_evaluations (
	id                    uuid        PRIMARY KEY,
	payment_id            uuid        NOT NULL REFERENCES payments (id),
	reservation_id        uuid        NOT NULL,
	trigger               text        NOT NULL CHECK (trigger IN ('api', 'reservation_cancelled')),
	event_id              uuid,                              -- the reservation event that triggered it
	reason                text        NOT NULL,
	policy_version        text        NOT NULL,
	rule                  text        NOT NULL,              -- e.g. guest-30d-plus
	departure_date        date,
	days_before_departure int,
	refund_percent        int         NOT NULL CHECK (refund_percent BETWEEN 0 AND 100),
	currency              char(3)     NOT NULL,
	captured_minor        bigint      NOT NULL,
	refundable_minor      bigint      NOT NULL CHECK (refundable_minor >= 0), -- what is left to refund
	policy_minor          bigint      NOT NULL CHECK (policy_minor >= 0),     -- what the policy grants
	requested_minor       bigint,                                              -- API: what was asked for
	decision              text        NOT NULL CHECK (decision IN ('refund', 'auto_refund', 'no_refund', 'manual_review', 'nothing_to_refund')),
	evaluated_at          timestamptz NOT NULL
);
CREATE INDEX refund_policy_evaluations_payment ON refund_policy_evaluations (payment_id);
-- Evaluations caused by a reservation event. Not unique on purpose: the stream runtime's
-- inbox is what applies an event once, and a double application must show, not fail.
CREATE INDEX refund_policy_evaluations_event ON refund_policy_evaluations (event_id) WHERE event_id IS NOT NULL;

CREATE TABLE refunds (
	id                   uuid        PRIMARY KEY,
	payment_id           uuid        NOT NULL REFERENCES payments (id),
	caller               text,                               -- NULL when a reservation event asked
	idempotency_key      text,
	request_hash         bytea,
	currency             char(3)     NOT NULL,
	amount_minor         bigint      NOT NULL CHECK (amount_minor > 0),
	reason               text        NOT NULL,
	policy_evaluation_id uuid        REFERENCES refund_policy_evaluations (id),
	status               text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
	provider_reference   text,
	failure_reason       text,
	correlation_id       uuid        NOT NULL,
	causation_id         text,
	attempts             int         NOT NULL DEFAULT 0,
	next_attempt_at      timestamptz NOT NULL,
	created_at           timestamptz NOT NULL,
	completed_at         timestamptz,
	UNIQUE (caller, idempotency_key)
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_pending ON refunds (next_attempt_at) WHERE status = 'pending';
CREATE INDEX refunds_completed_at ON refunds (completed_at) WHERE status = 'succeeded';

-- Chargebacks, keyed by the provider's case id (the PSP's dispute webhooks carry it).
CREATE TABLE disputes (
	id                uuid        PRIMARY KEY,
	provider_case_id  text        NOT NULL UNIQUE,
	payment_id        uuid        NOT NULL REFERENCES payments (id),
	currency          char(3)     NOT NULL,
	amount_minor      bigint      NOT NULL CHECK (amount_minor > 0),
	reason            text        NOT NULL,
	status            text        NOT NULL CHECK (status IN ('OPEN', 'EVIDENCE_SUBMITTED', 'UNDER_REVIEW', 'WON', 'LOST', 'ACCEPTED')),
	respond_by        timestamptz NOT NULL,
	note              text,
	opened_at         timestamptz NOT NULL,
	updated_at        timestamptz NOT NULL,
	closed_at         timestamptz
);
CREATE INDEX disputes_payment ON disputes (payment_id);

-- Rebuilt from the ledger by the reconciliation; never written by the payment flows.
CREATE TABLE daily_summaries (
	day                   date        NOT NULL,
	currency              char(3)     NOT NULL,
	captures_count        int         NOT NULL,
	captured_minor        bigint      NOT NULL,
	refunds_count         int         NOT NULL,
	refunded_minor        bigint      NOT NULL,
	commissions_count     int         NOT NULL,
	commissions_minor     bigint      NOT NULL,
	disputes_opened_minor bigint      NOT NULL,
	disputes_won_minor    bigint      NOT NULL,
	disputes_lost_minor   bigint      NOT NULL,
	net_minor             bigint      NOT NULL, -- captured - refunded - commissions - lost
	mismatches            int         NOT NULL, -- differences with the payments and refunds tables
	rebuilt_at            timestamptz NOT NULL,
	PRIMARY KEY (day, currency)
);

-- Double-entry ledger. Accounts are per currency; an entry posts lines whose debits equal
-- its credits (checked by a deferred trigger at commit); lines are never updated or deleted.
CREATE TABLE ledger_accounts (
	code        text    PRIMARY KEY,
	kind        text    NOT NULL CHECK (kind IN ('asset', 'liability', 'expense', 'memo')),
	normal_side char(1) NOT NULL CHECK (normal_side IN ('D', 'C')),
	description text    NOT NULL
);
INSERT INTO ledger_accounts (code, kind, normal_side, description) VALUES
	('psp_balance',         'asset',     'D', 'Funds held for us at the payment provider'),
	('guest_deposits',      'liability', 'C', 'Deposits guests paid for trips, owed back on refund or chargeback'),
	('commission_expense',  'expense',   'D', 'Commissions paid out to partners'),
	('disputed_funds',      'asset',     'D', 'Funds the provider withdrew while a chargeback is open'),
	('card_authorizations', 'memo',      'D', 'Memo: amounts authorized on cards, not yet captured or voided'),
	('authorization_holds', 'memo',      'C', 'Memo: contra of card_authorizations');

CREATE TABLE journal_entries (
	id          uuid        PRIMARY KEY,
	kind        text        NOT NULL CHECK (kind IN ('authorization', 'capture', 'void', 'refund', 'commission',
		'dispute_opened', 'dispute_won', 'dispute_lost')),
	currency    char(3)     NOT NULL,
	payment_id  uuid        NOT NULL REFERENCES payments (id),
	refund_id   uuid        REFERENCES refunds (id),
	dispute_id  uuid        REFERENCES disputes (id),
	occurred_at timestamptz NOT NULL
);
CREATE INDEX journal_entries_occurred_at ON journal_entries (occurred_at);
CREATE INDEX journal_entries_payment ON journal_entries (payment_id);

CREATE TABLE journal_lines (
	entry_id     uuid    NOT NULL REFERENCES journal_entries (id),
	line_no      smallint NOT NULL,
	-- The chart of accounts is fixed by this migration; a CHECK is its foreign key without a
	-- lookup per line on the hot path.
	account      text    NOT NULL CHECK (account IN ('psp_balance', 'guest_deposits', 'commission_expense',
		'disputed_funds', 'card_authorizations', 'authorization_holds')),
	side         char(1) NOT NULL CHECK (side IN ('D', 'C')),
	amount_minor bigint  NOT NULL CHECK (amount_minor > 0),
	PRIMARY KEY (entry_id, line_no)
);

-- Each entry balances, checked once per entry at commit (the trigger fires per line; the
-- check itself is cheap through the primary key).
-- SET search_path FROM CURRENT: the trigger runs with the writer's search_path, which need
-- not include this schema; the function keeps the one it was created with.
CREATE FUNCTION journal_entry_balanced() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
	d bigint;
	c bigint;
BEGIN
	SELECT coalesce(sum(amount_minor) FILTER (WHERE side = 'D'), 0),
	       coalesce(sum(amount_minor) FILTER (WHERE side = 'C'), 0)
	  INTO d, c
	  FROM journal_lines WHERE entry_id = NEW.entry_id;
	IF d <> c THEN
		RAISE EXCEPTION 'journal entry % is unbalanced: debits % <> credits %', NEW.entry_id, d, c
			USING ERRCODE = 'check_violation';
	END IF;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER journal_lines_balanced AFTER INSERT ON journal_lines
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_balanced();

-- The ledger is append-only: a correction is a new entry.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
	FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
	FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- expect_one raises no_data_found unless n = 1. A conditional UPDATE sent in one pipelined
-- round trip with the statements that depend on it (ledger, outbox, stored response) calls
-- it, so matching no row aborts the whole implicit transaction.
CREATE FUNCTION expect_one(n bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF n <> 1 THEN
		RAISE EXCEPTION 'expected one row, found %', n USING ERRCODE = 'no_data_found';
	END IF;
END
$$;
