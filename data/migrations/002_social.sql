-- MiniFace schema, migration 002: likes, comments, notifications, and edited posts.
-- Deleting a post or a person cascades through every table below, so one DELETE (in
-- one transaction) removes a post's likes, comments and the notifications about them.

-- When the author last changed the text; NULL for a post never edited.
ALTER TABLE posts ADD COLUMN edited_at INTEGER;

-- One row per (post, person): the primary key makes a second like of the same post
-- impossible, whoever races, so a count of rows is always the number of people.
-- The key serves a post's count and "did the viewer like it"; likes_user serves
-- deleting a person.
CREATE TABLE likes (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
) WITHOUT ROWID;
CREATE INDEX likes_user ON likes (user_id);

-- Comments in the order written (ids grow). comments_post ends in the rowid, so "the
-- latest two of this post" and "comments before :id" are one backward seek each.
CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_post ON comments (post_id);
CREATE INDEX comments_author ON comments (author_id);

-- What happened to a person, one row for that person, written in the transaction of
-- the action and deleted with what it is about (the shape of Takahe's timeline
-- events): a like or comment on their post, a reply under a post they commented on,
-- a friend request or acceptance. notifications_recipient ends in the rowid: the
-- list (newest first) and the unread count are range scans of one person's rows.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL
                 CHECK (kind IN ('friend_request', 'friend_accepted', 'like', 'comment', 'reply')),
    actor_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id      INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    comment_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER,
    CHECK (recipient_id <> actor_id)
);
CREATE INDEX notifications_recipient ON notifications (recipient_id);
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE read_at IS NULL;
-- For the cascades (a post, comment or person deleted) and undoing a like.
CREATE INDEX notifications_post ON notifications (post_id);
CREATE INDEX notifications_comment ON notifications (comment_id);
CREATE INDEX notifications_actor ON notifications (actor_id);
