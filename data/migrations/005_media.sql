-- Migration 005: photo and avatar bytes in the database (handlers/media.py), so
-- that every node on one PostgreSQL database can serve a photo uploaded through
-- any of them; each node keeps a local copy as a cache and serves that with
-- sendfile. With sqlite the table stays empty: the files in the data directory
-- are the only copy (one machine, shared by its workers).
CREATE TABLE media (
    name TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
