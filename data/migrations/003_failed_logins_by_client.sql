-- Migration 003: the login throttle counts failures per (account, client address), so
-- an attacker's guesses slow down that attacker only, never the account's owner.
-- Rows written before this migration have no address ('') and age out of the window.
ALTER TABLE failed_logins ADD COLUMN client TEXT NOT NULL DEFAULT '';
DROP INDEX IF EXISTS failed_logins_user_time;
CREATE INDEX failed_logins_user_client_time ON failed_logins (username, client, attempted_at);
