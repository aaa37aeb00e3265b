-- Sign-in nonces already used (SHA-256 of the nonce), kept until the ID token that carried them
-- has expired, so each ID token releases at most one token.
CREATE TABLE used_nonces (
    hash BYTEA PRIMARY KEY,
    expires BIGINT NOT NULL
);
CREATE INDEX used_nonces_expires ON used_nonces (expires);
