-- The event log: streams (aggregates), events, the global head and request idempotency.
-- Ids use the "C" collation so that text order is byte order on every server.

CREATE TABLE projects (
    id          text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id          text COLLATE "C" PRIMARY KEY,
    project_id  text COLLATE "C" NOT NULL REFERENCES projects (id),
    -- SHA-256 of the secret. Keys are 256-bit random, so a fast unsalted hash is enough.
    key_hash    bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- One row per stream: its owner, kind and current version (the number of its events).
CREATE TABLE streams (
    stream_id   text COLLATE "C" PRIMARY KEY,
    project_id  text COLLATE "C" NOT NULL,
    kind        text NOT NULL,
    version     bigint NOT NULL CHECK (version > 0)
);

-- The single row whose lock orders every append: positions are handed out under it, just
-- before the insert, and it is held until commit, so positions are commit-ordered and dense.
CREATE TABLE log_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position    bigint NOT NULL
);
INSERT INTO log_head (position) VALUES (0);

CREATE TABLE events (
    position        bigint PRIMARY KEY,
    stream_id       text COLLATE "C" NOT NULL,
    version         bigint NOT NULL,
    event_id        uuid NOT NULL UNIQUE,
    type            text NOT NULL,
    schema_version  integer NOT NULL DEFAULT 1,
    -- The payload message of events.proto, in proto3 JSON with proto field names.
    data            jsonb NOT NULL,
    -- EventMetadata in proto3 JSON: project, key id, request id, causation, correlation.
    metadata        jsonb NOT NULL,
    project_id      text COLLATE "C" NOT NULL,
    request_id      text,
    recorded_at     timestamptz NOT NULL,
    CONSTRAINT events_stream_version UNIQUE (stream_id, version)
);
CREATE INDEX events_project_position ON events (project_id, position);

-- A request id makes a command idempotent: the first append under it is recorded here, and a
-- retry gets the same versions back without appending.
CREATE TABLE requests (
    project_id     text COLLATE "C" NOT NULL,
    request_id     text NOT NULL,
    stream_id      text COLLATE "C" NOT NULL,
    first_version  bigint NOT NULL,
    last_version   bigint NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, request_id)
);
