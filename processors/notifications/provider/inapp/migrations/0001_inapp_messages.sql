-- The in-app inbox: delivering an in-app message is storing it here; the app reads it
-- through the notifications API. ref is the pipeline's delivery id, so a redelivered job
-- stores the message once.
CREATE TABLE inapp_messages (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    ref        text        NOT NULL UNIQUE,
    recipient  text        NOT NULL CHECK (recipient <> ''),
    title      text        NOT NULL DEFAULT '',
    body       text        NOT NULL,
    data       jsonb       NOT NULL DEFAULT '{}',
    urgent     boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    read_at    timestamptz
);

-- An inbox page: newest first, keyset-paginated on (created_at, id).
CREATE INDEX inapp_messages_inbox ON inapp_messages (recipient, created_at DESC, id DESC);

-- The unread badge.
CREATE INDEX inapp_messages_unread ON inapp_messages (recipient) WHERE read_at IS NULL;
