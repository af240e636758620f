-- Each user's change feed is numbered on its own: a cursor says nothing of how active other users are.
-- Numbering carries on from the newest change each user has, so the cursors apps hold stay valid.
ALTER TABLE users ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE users SET last_seq = COALESCE((SELECT MAX(seq) FROM records WHERE records.user_id = users.id), 0);
DROP TABLE changes;
-- Moves whenever a user's token stops or starts working, so open change streams check theirs at once.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
