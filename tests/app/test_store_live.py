"""store/live.py: friend events, messages for live delivery, open streams, presence."""

import pytest
from store_fixtures import (
    T0,
    db_fixture,  # noqa: F401  (the `db` fixture)
    make_user,
)

from handlers.store import friends, live, messages, sessions, users


@pytest.fixture
def trio(db):
    return tuple(make_user(db, name)["id"] for name in ("ann", "bob", "cat"))


def befriend(db, a, b):
    friends.request_or_accept(db, from_id=a, to_id=b, now=T0)
    friends.request_or_accept(db, from_id=b, to_id=a, now=T0)


def test_events_after_returns_only_newer_events_for_the_given_people(db, trio):
    ann, bob, cat = trio
    first = live.record_event(db, user_id=bob, kind="friend_request", actor_id=ann, now=T0)
    second = live.record_event(db, user_id=cat, kind="friend_request", actor_id=ann, now=T0)
    third = live.record_event(db, user_id=bob, kind="friend_accepted", actor_id=cat, now=T0)
    got = live.events_after(db, after_id=first, user_ids=[bob])
    assert [(e["id"], e["kind"], e["actor"]["username"]) for e in got] == \
        [(third, "friend_accepted", "cat")]
    assert [e["id"] for e in live.events_after(db, after_id=0, user_ids=[bob, cat])] == \
        [first, second, third]
    assert live.events_after(db, after_id=0, user_ids=[]) == []
    assert live.max_event_id(db) == third


def test_prune_events_drops_only_old_ones(db, trio):
    ann, bob, _ = trio
    live.record_event(db, user_id=bob, kind="friend_request", actor_id=ann,
                      now=T0 - live.EVENT_RETENTION_SECONDS - 1)
    kept = live.record_event(db, user_id=bob, kind="friend_request", actor_id=ann, now=T0)
    assert live.prune_events(db, now=T0) == 1
    assert [e["id"] for e in live.events_after(db, after_id=0, user_ids=[bob])] == [kept]


def test_messages_involving_after_sees_both_senders_and_recipients(db, trio):
    ann, bob, cat = trio
    m1 = messages.send_message(db, sender_id=ann, recipient_id=bob, body="1", now=T0)
    m2 = messages.send_message(db, sender_id=bob, recipient_id=cat, body="2", now=T0)
    m3 = messages.send_message(db, sender_id=cat, recipient_id=bob, body="3", now=T0)
    assert [m["id"] for m in live.messages_involving_after(db, after_id=0, user_ids=[ann])] == \
        [m1["id"]]
    assert [m["id"] for m in live.messages_involving_after(db, after_id=m1["id"],
                                                           user_ids=[bob])] == [m2["id"], m3["id"]]
    assert live.messages_involving_after(db, after_id=m3["id"], user_ids=[ann, bob, cat]) == []


def test_online_means_recent_activity_or_a_fresh_stream_row(db, trio):
    ann, bob, cat = trio
    users.touch_last_seen(db, user_id=ann, now=T0)
    live.add_stream(db, user_id=bob, worker="w1", now=T0)
    later = T0 + live.ONLINE_WINDOW_SECONDS + 1
    assert live.online_ids(db, user_ids=[ann, bob, cat], now=T0) == {ann, bob}
    # Ann went quiet; Bob's worker renewed its row, so he is still connected.
    live.renew_streams(db, worker="w1", now=later)
    assert live.online_ids(db, user_ids=[ann, bob, cat], now=later) == {bob}
    live.remove_stream(db, user_id=bob, worker="w1")
    assert live.online_ids(db, user_ids=[ann, bob, cat], now=later) == set()


def test_rows_of_a_dead_worker_stop_counting_and_are_swept(db, trio):
    ann, bob, _ = trio
    live.add_stream(db, user_id=ann, worker="dead", now=T0)
    live.add_stream(db, user_id=bob, worker="alive", now=T0)
    later = T0 + live.STREAM_STALE_SECONDS + 1
    assert live.online_ids(db, user_ids=[ann], now=later) == set()
    live.renew_streams(db, worker="alive", now=later)
    assert db.query_all("SELECT worker FROM live_streams") == [{"worker": "alive"}]


def test_online_friends_lists_only_friends(db, trio):
    ann, bob, cat = trio
    befriend(db, ann, bob)
    for user_id in trio:
        users.touch_last_seen(db, user_id=user_id, now=T0)
    assert [u["username"] for u in live.online_friends(db, user_id=ann, now=T0)] == ["bob"]


def test_friend_ids_of_answers_for_many_people_at_once(db, trio):
    ann, bob, cat = trio
    befriend(db, ann, bob)
    befriend(db, cat, bob)
    assert live.friend_ids_of(db, user_ids=[ann, bob, cat]) == \
        {ann: {bob}, bob: {ann, cat}, cat: {bob}}
    assert live.friend_ids_of(db, user_ids=[]) == {}


def test_live_sessions_keeps_only_unexpired_existing_ones(db, trio):
    ann, _, _ = trio
    for token_hash, expires in (("alive", T0 + 60), ("expired", T0)):
        sessions.create_session(db, user_id=ann, token_hash=token_hash, csrf_token="c",
                                now=T0 - 60, expires_at=expires)
    assert live.live_sessions(db, token_hashes=["alive", "expired", "gone"], now=T0) == {"alive"}
    assert live.live_sessions(db, token_hashes=[], now=T0) == set()
