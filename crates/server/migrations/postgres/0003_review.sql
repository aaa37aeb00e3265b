-- Wrong passcodes over the whole life of a message (the guessing budget), counted when a guess
-- is made and given back when it was right.
ALTER TABLE messages ADD COLUMN wrong_passcodes BIGINT NOT NULL DEFAULT 0;
-- The sender address of the envelope, as registered (checked against the organisation's
-- verified sending domains); NULL for messages registered before this was recorded.
ALTER TABLE messages ADD COLUMN from_address TEXT;

-- The domains an organisation may send from, as verified by the operator.
CREATE TABLE sender_domains (
    sender_id BIGINT NOT NULL REFERENCES senders(id),
    domain    TEXT NOT NULL,
    added     BIGINT NOT NULL,
    PRIMARY KEY (sender_id, domain)
);
