-- Each user's due emails, oldest first, read a page at a time (the scheduler is fair between users).
CREATE INDEX records_due_by_user ON records (user_id, status, due_at, seq) WHERE kind = 'email';
