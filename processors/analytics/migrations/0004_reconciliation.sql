-- Reconciliation of revenue facts against svc-payments' own daily summaries (CAP-5.4). Not a
-- projection of events (it records what svc-payments answered), so a rebuild keeps it.
-- reconciliations: one row per day (UTC) checked, replaced by a later check of the day.
CREATE TABLE reconciliations (
    day        date        PRIMARY KEY,
    checked_at timestamptz NOT NULL,
    mismatches integer     NOT NULL
);

-- reconciliation_mismatches: what differed, per currency and field (captured, refunded,
-- dispute_lost, captures), and per payment where one is to blame. Amounts in minor units.
CREATE TABLE reconciliation_mismatches (
    day        date   NOT NULL REFERENCES reconciliations ON DELETE CASCADE,
    currency   char(3) NOT NULL,
    field      text   NOT NULL,
    payment_id text   NOT NULL DEFAULT '',
    ours       bigint NOT NULL,
    theirs     bigint NOT NULL,
    PRIMARY KEY (day, currency, field, payment_id)
);
