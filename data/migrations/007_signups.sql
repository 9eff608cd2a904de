-- Migration 007: sign-ups per client address are counted in the database, so the
-- limit (signups_per_address within signup_window) holds for every worker and
-- every node together instead of once per process. One row per sign-up allowed;
-- rows older than the window are deleted by the next sign-up (the index on time
-- makes that a range delete of only the expired rows).
CREATE TABLE signups (
    id         INTEGER PRIMARY KEY,
    client     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX signups_client_time ON signups (client, created_at);
CREATE INDEX signups_time ON signups (created_at);
