-- Recipients' passkeys (WebAuthn): the credential as the WebAuthn library keeps it (id, public
-- key, sign counter, flags; JSON), the address it proves, and when it was added and last used.
-- Passkeys unused for passkeys.forget_unused_days are purged by retention.
CREATE TABLE passkeys (
    credential_id BLOB PRIMARY KEY,
    recipient     TEXT NOT NULL,
    passkey       TEXT NOT NULL,
    created       INTEGER NOT NULL,
    last_used     INTEGER NOT NULL
);
CREATE INDEX passkeys_recipient ON passkeys (recipient);
-- Passkey ceremonies under way, under the hash of their id: single use, short-lived, bound to a
-- message, a recipient and a browser tab's public key.
CREATE TABLE passkey_ceremonies (
    hash       BLOB PRIMARY KEY,
    kind       TEXT NOT NULL,
    message_id TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    public_key BLOB NOT NULL,
    state      TEXT NOT NULL,
    expires    INTEGER NOT NULL
);
