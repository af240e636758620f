-- A rep's own mailbox, read over IMAP for replies, bounce reports and complaints. The password is sealed
-- (XChaCha20-Poly1305, key outside the database); the cursor is the folder's UIDVALIDITY and the last UID
-- read, so a restart reads nothing twice and misses nothing.
CREATE TABLE mailboxes (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id),
    address         TEXT NOT NULL,
    folder          TEXT NOT NULL DEFAULT 'INBOX',
    secret          BLOB NOT NULL,
    linked_at       INTEGER NOT NULL,
    uid_validity    INTEGER,
    last_uid        INTEGER NOT NULL DEFAULT 0,
    checked_at      INTEGER,
    messages_read   INTEGER NOT NULL DEFAULT 0,
    messages_found  INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'connecting',
    last_error      TEXT,
    error_at        INTEGER
);
