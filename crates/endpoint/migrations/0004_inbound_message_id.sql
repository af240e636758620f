-- An inbound message is read once: a mail server that posts it again (a retry after a timeout) gets the
-- first answer, and nothing is applied twice.
ALTER TABLE inbound ADD COLUMN message_id TEXT;
CREATE UNIQUE INDEX inbound_message_id ON inbound (message_id) WHERE message_id IS NOT NULL;
