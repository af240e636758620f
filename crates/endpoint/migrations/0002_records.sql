-- Every change to a user's records gets the next number of one sequence: the change feed's order.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id)
);

-- The latest version of every record of every user, as JSON, stamped with the change that wrote it.
-- Emails also keep the columns the scheduler needs; events keep the email they belong to.
CREATE TABLE records (
    user_id  INTEGER NOT NULL REFERENCES users(id),
    kind     TEXT    NOT NULL,
    id       TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    body     TEXT,                 -- NULL once deleted (a tombstone the feed still carries)
    status   TEXT,                 -- emails: the domain status
    due_at   INTEGER,              -- emails: when the scheduler should next look at it (unix ms)
    email_id TEXT,                 -- events: the email they belong to
    PRIMARY KEY (user_id, kind, id)
);
CREATE UNIQUE INDEX records_feed ON records (user_id, seq);
CREATE INDEX records_due ON records (status, due_at) WHERE kind = 'email';
CREATE INDEX records_events ON records (user_id, email_id) WHERE kind = 'event';

-- Mutations already applied, so a replay returns the first outcome instead of acting twice.
CREATE TABLE idempotency (
    user_id      INTEGER NOT NULL REFERENCES users(id),
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    outcome      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- The Message-ID given to each email sent, to tie replies and reports back to it.
CREATE TABLE messages (
    message_id TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    email_id   TEXT    NOT NULL
);

-- Addresses a user must never mail again (hard bounces, unsubscribes, complaints).
CREATE TABLE suppressions (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    address    TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, address)
);

-- Every inbound message, kept whole whatever it turned out to be.
CREATE TABLE inbound (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at    INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    classification TEXT    NOT NULL,
    user_id        INTEGER,
    email_id       TEXT,
    raw            BLOB    NOT NULL
);
