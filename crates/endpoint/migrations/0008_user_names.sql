-- The rep's name, put beside their address in the From of what they send.
ALTER TABLE users ADD COLUMN name TEXT;
