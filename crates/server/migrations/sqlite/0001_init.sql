-- Sender organisations and their API keys (only a SHA-256 of each key's secret is stored).
CREATE TABLE senders (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    created INTEGER NOT NULL
);

CREATE TABLE api_keys (
    key_id    TEXT PRIMARY KEY,
    sender_id INTEGER NOT NULL REFERENCES senders(id),
    hash      BLOB NOT NULL,
    created   INTEGER NOT NULL
);

-- Registered messages. The server share is stored encrypted (AES-256-GCM under a master key
-- named by share_key_id); it is NULL once the message is revoked or purged.
CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    sender_id    INTEGER NOT NULL REFERENCES senders(id),
    share_ct     BLOB,
    share_key_id TEXT,
    recipients   TEXT NOT NULL, -- JSON array of normalised addresses
    created      INTEGER NOT NULL,
    expires      INTEGER NOT NULL,
    max_opens    INTEGER,
    opens        INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER
);

-- One-time passcodes, stored only as an HMAC under a key derived from a master key.
CREATE TABLE passcodes (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES messages(id),
    recipient   TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    code_mac    BLOB NOT NULL,
    key_id      TEXT NOT NULL,
    created     INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    wrong_tries INTEGER NOT NULL DEFAULT 0,
    used_at     INTEGER,
    superseded  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX passcodes_by_recipient ON passcodes (message_id, recipient, id);

-- Release tokens, stored only as a SHA-256 of the token.
CREATE TABLE tokens (
    hash        BLOB PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES messages(id),
    recipient   TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    expires     INTEGER NOT NULL,
    released_at INTEGER
);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    recipient  TEXT
);
CREATE INDEX events_by_message ON events (message_id, id);

-- Sliding-window throttles (per client address, per recipient), shared by every instance.
CREATE TABLE throttle_hits (
    key TEXT NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX throttle_hits_by_key ON throttle_hits (key, at);
