-- An email found by its id alone (tracking tokens and inbound reports name the email, not its user).
CREATE INDEX records_email_id ON records (id) WHERE kind = 'email';
-- An email's events with their change numbers, read without visiting the rows.
DROP INDEX records_events;
CREATE INDEX records_events ON records (user_id, email_id, seq) WHERE kind = 'event';
