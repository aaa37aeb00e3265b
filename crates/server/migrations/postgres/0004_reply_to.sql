-- Where secure replies to a message go (the envelope header's reply.to), checked against the
-- organisation's verified sending domains at registration; NULL when the message takes none.
ALTER TABLE messages ADD COLUMN reply_to TEXT;
-- How a release token's recipient proved the address: passcode or sign-in (named in relayed
-- replies).
ALTER TABLE tokens ADD COLUMN proof TEXT NOT NULL DEFAULT 'passcode';
-- Secure replies relayed per message and recipient (a count only: no reply is ever stored).
CREATE TABLE reply_counts (
    message_id TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (message_id, recipient)
);
