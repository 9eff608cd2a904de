-- Migration 006: profiles. A bio of up to 500 characters ("" until set) and the
-- name of the profile picture (NULL until set). The picture is stored in two
-- square sizes, NAME-48.ext and NAME-256.ext (handlers/avatars.py); the avatar
-- route looks the name up through the index to answer 404 for a replaced or
-- deleted picture.
ALTER TABLE users ADD COLUMN bio TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN avatar_name TEXT;
CREATE INDEX users_avatar_name ON users (avatar_name);
