-- Which email a suppression came from, and every suppression lifted (who lifted what, when, and why it
-- had been there), so a lifted address is never a mystery.
ALTER TABLE suppressions ADD COLUMN email_id TEXT;
CREATE TABLE suppressions_lifted (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    address     TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    email_id    TEXT,
    created_at  INTEGER NOT NULL,
    lifted_at   INTEGER NOT NULL,
    lifted_by   TEXT    NOT NULL
);
