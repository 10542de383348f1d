-- Idempotency keys of one service's API (search_path is the service schema).
-- A row is claimed (locked_until in the future) while its first request runs, then holds the
-- response to replay. The request itself is never stored, only its SHA-256 fingerprint.
CREATE TABLE idempotency_keys (
	caller           text        NOT NULL,              -- authenticated caller: keys are scoped by caller
	key              text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
	request_hash     bytea       NOT NULL,              -- sha256(method, path, query, canonical body)
	method           text        NOT NULL,
	path             text        NOT NULL,
	locked_until     timestamptz,                       -- lease of the running request; NULL once completed
	attempts         int         NOT NULL DEFAULT 1,    -- claims, including take-overs after a lease expired
	response_status  int,                               -- NULL while no final response is stored
	response_headers jsonb,
	response_body    bytea,
	created_at       timestamptz NOT NULL DEFAULT now(),
	completed_at     timestamptz,
	PRIMARY KEY (caller, key)
);

-- A key is updated when it completes (and on a take-over): no index covers a column those
-- updates change, and pages keep room, so the updates are HOT (no index maintenance).
ALTER TABLE idempotency_keys SET (fillfactor = 70);
-- Pruning deletes completed keys created before the retention.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
