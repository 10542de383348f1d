-- svc-media-gallery's tables: the spec's media_items, albums and share_links, and the
-- reservations projection (fed by reservation.status-changed) that decides who may upload.

CREATE TABLE reservations (
    reservation_id uuid PRIMARY KEY,
    guest_id       uuid NOT NULL,
    trip_id        text NOT NULL,
    departure_date date,
    status         text NOT NULL,
    -- occurred_at of the event that set status: an older event never overwrites a newer one.
    status_at      timestamptz NOT NULL,
    -- how many status events were applied: an audit count, and what shows a double apply.
    changes        int NOT NULL DEFAULT 1
);

CREATE TABLE albums (
    album_id   uuid PRIMARY KEY,
    trip_id    text NOT NULL UNIQUE,
    title      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE media_items (
    asset_id        uuid PRIMARY KEY,
    album_id        uuid NOT NULL REFERENCES albums,
    reservation_id  uuid NOT NULL,
    trip_id         text NOT NULL,
    uploaded_by     text NOT NULL,
    uploader_type   text NOT NULL CHECK (uploader_type IN ('GUEST', 'GUIDE', 'STAFF')),
    media_type      text NOT NULL CHECK (media_type IN ('PHOTO', 'VIDEO')),
    -- declared at request time and bound into the upload policy; content_type is what the
    -- bytes turned out to be.
    declared_type   text NOT NULL,
    max_bytes       bigint NOT NULL,
    object_key      text NOT NULL UNIQUE,
    share_location  boolean NOT NULL DEFAULT false,
    upload_expires  timestamptz NOT NULL,
    -- pending: waiting for the bytes; ready: renditions written and the event emitted;
    -- failed: the bytes were refused (failure_reason); expired: nothing arrived in time.
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'failed', 'expired')),
    failure_reason  text,
    content_type    text,
    size_bytes      bigint,
    width           int,
    height          int,
    thumbnail_key   text,
    preview_key     text,
    blurhash        text,
    -- videos: 'none' when no poster frame could be made (no ffmpeg); photos: null.
    poster_state    text,
    taken_at        timestamptz,
    latitude        double precision,
    longitude       double precision,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    CHECK (state <> 'ready' OR (content_type IS NOT NULL AND size_bytes IS NOT NULL)),
    CHECK (state <> 'failed' OR failure_reason IS NOT NULL)
);

-- The album and trip listings page by (created_at, asset_id), newest first.
CREATE INDEX media_items_album ON media_items (album_id, created_at DESC, asset_id DESC) WHERE state = 'ready';
CREATE INDEX media_items_trip ON media_items (trip_id, created_at DESC, asset_id DESC) WHERE state = 'ready';
-- The sweep finds pending uploads.
CREATE INDEX media_items_pending ON media_items (created_at) WHERE state = 'pending';

CREATE TABLE share_links (
    link_id       uuid PRIMARY KEY,
    -- sha256 of the link's token: the token itself is shown once and never stored.
    token_hash    bytea NOT NULL UNIQUE,
    album_id      uuid REFERENCES albums,
    asset_id      uuid REFERENCES media_items,
    -- bcrypt hash of the optional password.
    password_hash text,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((album_id IS NULL) <> (asset_id IS NULL))
);
