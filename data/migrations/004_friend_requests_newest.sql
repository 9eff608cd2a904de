-- Migration 004: pending friend requests are listed newest first a page at a time
-- (keyset on the request id), for the person asked and for the one asking. An index
-- on (to_id, id) / (from_id, id) reads one page straight off the index; the pair
-- indexes of 001 would have sorted every pending request for each page.
CREATE INDEX friend_requests_to_newest ON friend_requests (to_id, id);
CREATE INDEX friend_requests_from_newest ON friend_requests (from_id, id);
