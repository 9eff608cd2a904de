-- MiniFace schema, migration 001: the tables of MiniFace 0.1. Written before migrations existed, so every
-- statement is idempotent (IF NOT EXISTS). Times are INTEGER unix seconds (UTC).
-- Pragmas (WAL, foreign_keys, busy_timeout) are per connection and live in db.py.

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    -- NOCASE on the column (not only on the index) makes `username = :username`
    -- case-insensitive everywhere and lets `username LIKE 'ab%'` use the index.
    username      TEXT    NOT NULL COLLATE NOCASE,
    name          TEXT    NOT NULL COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS users_username ON users (username);
CREATE INDEX IF NOT EXISTS users_name ON users (name);

-- The cookie/bearer token itself is never stored: only its hash, so a leaked
-- database does not hand out live sessions.
CREATE TABLE IF NOT EXISTS sessions (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT    NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);

-- Login throttle: one row per failed attempt, keyed by the lower-cased username
-- (no foreign key: attempts against names that do not exist count too).
CREATE TABLE IF NOT EXISTS failed_logins (
    id           INTEGER PRIMARY KEY,
    username     TEXT    NOT NULL,
    attempted_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_logins_user_time ON failed_logins (username, attempted_at);
CREATE INDEX IF NOT EXISTS failed_logins_time ON failed_logins (attempted_at);

CREATE TABLE IF NOT EXISTS posts (
    id         INTEGER PRIMARY KEY,
    author_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL DEFAULT '',
    visibility TEXT    NOT NULL CHECK (visibility IN ('public', 'friends', 'private')),
    image_name TEXT,
    created_at INTEGER NOT NULL
);
-- Ids grow with time, so "newest first" is `ORDER BY id DESC` and every index
-- below ends in the (implicit) rowid: each feed/profile branch is one index seek
-- that walks backwards from `:before` and stops after LIMIT entries.
--   posts_author:     a profile, and the viewer's own posts in the feed
--   posts_author_vis: one visibility class of one author (friends' posts, profiles)
--   posts_public:     the public branch of the feed (partial: public posts only)
CREATE INDEX IF NOT EXISTS posts_author ON posts (author_id);
CREATE INDEX IF NOT EXISTS posts_author_vis ON posts (author_id, visibility);
CREATE INDEX IF NOT EXISTS posts_public ON posts (id) WHERE visibility = 'public';
CREATE UNIQUE INDEX IF NOT EXISTS posts_image ON posts (image_name) WHERE image_name IS NOT NULL;

-- A pending request. Accepting deletes it and inserts the friendship (one transaction).
CREATE TABLE IF NOT EXISTS friend_requests (
    id         INTEGER PRIMARY KEY,
    from_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    CHECK (from_id <> to_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS friend_requests_pair ON friend_requests (from_id, to_id);
CREATE INDEX IF NOT EXISTS friend_requests_to ON friend_requests (to_id, from_id);

-- One row per friendship, stored once: user_a < user_b. Lookups of "friends of X"
-- take the primary key (X as user_a) and friendships_b (X as user_b).
CREATE TABLE IF NOT EXISTS friendships (
    user_a     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_b     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_a, user_b),
    CHECK (user_a < user_b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS friendships_b ON friendships (user_b, user_a);

CREATE TABLE IF NOT EXISTS messages (
    id           INTEGER PRIMARY KEY,
    sender_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER
);
-- Both directions of a conversation are index seeks ending in the id.
CREATE INDEX IF NOT EXISTS messages_pair ON messages (sender_id, recipient_id);
CREATE INDEX IF NOT EXISTS messages_inbox ON messages (recipient_id, sender_id);
-- Unread counts only ever look at unread rows; the partial index stays small.
CREATE INDEX IF NOT EXISTS messages_unread ON messages (recipient_id, sender_id)
    WHERE read_at IS NULL;

-- Live updates (handlers/live.py). Every process serving the site polls these
-- tables, so an event written by one worker reaches streams held by another.
-- live_events: friend changes addressed to one user, oldest first by id; kinds
-- "friend_request" and "friend_accepted" go to clients, "friends_changed" only
-- tells a worker to reload that user's friend list. Rows older than an hour are
-- pruned (a stream that was away longer reloads its page anyway).
CREATE TABLE IF NOT EXISTS live_events (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    actor_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS live_events_time ON live_events (created_at);
-- live_streams: who holds an open event stream in which worker. A worker renews
-- its rows every 30 s; a row not renewed for 90 s belongs to a dead worker and
-- no longer counts (see handlers/store/live.py).
CREATE TABLE IF NOT EXISTS live_streams (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    worker     TEXT    NOT NULL,
    renewed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, worker)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS live_streams_worker ON live_streams (worker);
