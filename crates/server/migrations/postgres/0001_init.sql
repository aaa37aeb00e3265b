-- The PostgreSQL schema: the same tables as migrations/sqlite, in PostgreSQL types.
-- Sender organisations and their API keys (only a SHA-256 of each key's secret is stored).
CREATE TABLE senders (
    id      BIGSERIAL PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    created BIGINT NOT NULL
);

CREATE TABLE api_keys (
    key_id    TEXT PRIMARY KEY,
    sender_id BIGINT NOT NULL REFERENCES senders(id),
    hash      BYTEA NOT NULL,
    created   BIGINT NOT NULL
);

-- Registered messages. The server share is stored encrypted (AES-256-GCM under a master key
-- named by share_key_id); it is NULL once the message is revoked or purged.
CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    sender_id    BIGINT NOT NULL REFERENCES senders(id),
    share_ct     BYTEA,
    share_key_id TEXT,
    recipients   TEXT NOT NULL, -- JSON array of normalised addresses
    created      BIGINT NOT NULL,
    expires      BIGINT NOT NULL,
    max_opens    BIGINT,
    opens        BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT
);

-- One-time passcodes, stored only as an HMAC under a key derived from a master key.
CREATE TABLE passcodes (
    id          BIGSERIAL PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES messages(id),
    recipient   TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    code_mac    BYTEA NOT NULL,
    key_id      TEXT NOT NULL,
    created     BIGINT NOT NULL,
    expires     BIGINT NOT NULL,
    wrong_tries BIGINT NOT NULL DEFAULT 0,
    used_at     BIGINT,
    superseded  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX passcodes_by_recipient ON passcodes (message_id, recipient, id);

-- Release tokens, stored only as a SHA-256 of the token.
CREATE TABLE tokens (
    hash        BYTEA PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES messages(id),
    recipient   TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    expires     BIGINT NOT NULL,
    released_at BIGINT
);

CREATE TABLE events (
    id         BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    recipient  TEXT
);
CREATE INDEX events_by_message ON events (message_id, id);

-- Sliding-window throttles (per client address, per recipient), shared by every instance.
CREATE TABLE throttle_hits (
    key TEXT NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX throttle_hits_by_key ON throttle_hits (key, at);
