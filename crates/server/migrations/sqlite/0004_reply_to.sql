-- Where secure replies to a message go (the envelope header's reply.to), checked against the
-- organisation's verified sending domains at registration; NULL when the message takes none.
ALTER TABLE messages ADD COLUMN reply_to TEXT;
