-- Sign-in nonces already used (SHA-256 of the nonce), kept until the ID token that carried them
-- has expired, so each ID token releases at most one token.
CREATE TABLE used_nonces (
    hash BLOB PRIMARY KEY NOT NULL,
    expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX used_nonces_expires ON used_nonces (expires);
