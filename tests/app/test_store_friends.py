"""friends.py: the request state machine, lists, and suggestions (users.py)."""

import pytest
from store_fixtures import (
    T0,
    db_fixture,  # noqa: F401  (the `db` fixture)
    make_user,
)

from handlers.store import errors, friends, users


@pytest.fixture
def people(db):
    return {name: make_user(db, name)["id"] for name in ("ann", "bob", "cat", "dan", "eve")}


def _state(db, viewer, other):
    return friends.friendship_state(db, viewer_id=viewer, other_id=other)


def _befriend(db, a, b, now=T0):
    friends.request_or_accept(db, from_id=a, to_id=b, now=now)
    assert friends.request_or_accept(db, from_id=b, to_id=a, now=now) == "friends"


def test_request_then_accept_by_the_other_side_makes_friends(db, people):
    ann, bob = people["ann"], people["bob"]
    assert _state(db, ann, bob) == "none"
    assert friends.request_or_accept(db, from_id=ann, to_id=bob, now=T0) == "request_sent"
    assert (_state(db, ann, bob), _state(db, bob, ann)) == ("request_sent", "request_received")
    assert friends.request_or_accept(db, from_id=bob, to_id=ann, now=T0 + 1) == "friends"
    assert (_state(db, ann, bob), _state(db, bob, ann)) == ("friends", "friends")
    assert friends.are_friends(db, a=bob, b=ann)
    # Accepting consumed the request: nothing is left pending either way.
    assert db.query_value("SELECT count(*) FROM friend_requests") == 0
    row = db.query_one("SELECT user_a, user_b, created_at FROM friendships")
    assert row == {"user_a": min(ann, bob), "user_b": max(ann, bob), "created_at": T0 + 1}


def test_second_request_and_request_to_a_friend_are_refused(db, people):
    ann, bob = people["ann"], people["bob"]
    friends.request_or_accept(db, from_id=ann, to_id=bob, now=T0)
    with pytest.raises(errors.AlreadyRequested):
        friends.request_or_accept(db, from_id=ann, to_id=bob, now=T0)
    friends.request_or_accept(db, from_id=bob, to_id=ann, now=T0)
    for sender, receiver in ((ann, bob), (bob, ann)):
        with pytest.raises(errors.AlreadyFriends):
            friends.request_or_accept(db, from_id=sender, to_id=receiver, now=T0)
    assert db.query_value("SELECT count(*) FROM friendships") == 1


def test_befriending_yourself_is_refused_and_self_state_is_self(db, people):
    with pytest.raises(errors.SelfRelation):
        friends.request_or_accept(db, from_id=people["ann"], to_id=people["ann"], now=T0)
    assert _state(db, people["ann"], people["ann"]) == "self"


def test_remove_relation_cancels_declines_and_unfriends(db, people):
    ann, bob, cat, dan = people["ann"], people["bob"], people["cat"], people["dan"]
    friends.request_or_accept(db, from_id=ann, to_id=bob, now=T0)
    assert friends.remove_relation(db, viewer_id=ann, other_id=bob) == "cancelled"
    friends.request_or_accept(db, from_id=cat, to_id=ann, now=T0)
    assert friends.remove_relation(db, viewer_id=ann, other_id=cat) == "declined"
    _befriend(db, ann, dan)
    assert friends.remove_relation(db, viewer_id=dan, other_id=ann) == "unfriended"
    assert friends.remove_relation(db, viewer_id=ann, other_id=dan) is None
    assert {_state(db, ann, other) for other in (bob, cat, dan)} == {"none"}
    assert db.query_value("SELECT count(*) FROM friend_requests") == 0
    assert db.query_value("SELECT count(*) FROM friendships") == 0


def test_declined_person_can_ask_again(db, people):
    ann, bob = people["ann"], people["bob"]
    friends.request_or_accept(db, from_id=ann, to_id=bob, now=T0)
    friends.remove_relation(db, viewer_id=bob, other_id=ann)
    assert friends.request_or_accept(db, from_id=ann, to_id=bob, now=T0) == "request_sent"


def test_failed_accept_leaves_the_request_in_place(db, people):
    ann, bob = people["ann"], people["bob"]
    friends.request_or_accept(db, from_id=ann, to_id=bob, now=T0)
    # A friendship that cannot be written (NULL created_at) must not eat the request.
    with pytest.raises(errors.IntegrityError):
        friends.request_or_accept(db, from_id=bob, to_id=ann, now=None)
    assert _state(db, bob, ann) == "request_received"
    assert not db.in_transaction


def test_the_friend_cap_refuses_requests_and_acceptances_and_writes_nothing(db, people):
    ann, bob, cat, dan, eve = (people[n] for n in ("ann", "bob", "cat", "dan", "eve"))
    friends.request_or_accept(db, from_id=dan, to_id=ann, now=T0)
    _befriend(db, ann, bob)
    friends.request_or_accept(db, from_id=cat, to_id=eve, now=T0)
    with pytest.raises(errors.FriendLimit) as full:
        friends.request_or_accept(db, from_id=ann, to_id=cat, now=T0, max_friends=1)
    assert full.value.side == "self"
    with pytest.raises(errors.FriendLimit) as full:
        friends.request_or_accept(db, from_id=eve, to_id=bob, now=T0, max_friends=1)
    assert full.value.side == "other"
    with pytest.raises(errors.FriendLimit) as full:   # ann accepting dan's request
        friends.request_or_accept(db, from_id=ann, to_id=dan, now=T0, max_friends=1)
    assert full.value.side == "self"
    assert _state(db, ann, dan) == "request_received"
    assert db.query_value("SELECT count(*) FROM friend_requests") == 2
    assert db.query_value("SELECT count(*) FROM friendships") == 1
    assert not db.in_transaction
    # Under the cap (or with none) the same moves go through.
    assert friends.request_or_accept(db, from_id=ann, to_id=dan, now=T0, max_friends=2) \
        == "friends"
    assert friends.request_or_accept(db, from_id=eve, to_id=cat, now=T0) == "friends"


def test_batch_states_cover_every_case(db, people):
    ann, bob, cat, dan, eve = (people[n] for n in ("ann", "bob", "cat", "dan", "eve"))
    _befriend(db, ann, bob)
    friends.request_or_accept(db, from_id=ann, to_id=cat, now=T0)
    friends.request_or_accept(db, from_id=dan, to_id=ann, now=T0)
    states = friends.friendship_states(db, viewer_id=ann, user_ids=[ann, bob, cat, dan, eve])
    assert states == {ann: "self", bob: "friends", cat: "request_sent",
                      dan: "request_received", eve: "none"}
    assert friends.friendship_states(db, viewer_id=None, user_ids=[ann]) == {ann: "none"}
    assert friends.friendship_states(db, viewer_id=ann, user_ids=[]) == {}


def test_friend_lists_and_request_lists(db, people):
    ann, bob, cat, dan, eve = (people[n] for n in ("ann", "bob", "cat", "dan", "eve"))
    _befriend(db, ann, cat)
    _befriend(db, bob, ann)
    friends.request_or_accept(db, from_id=dan, to_id=ann, now=T0)
    friends.request_or_accept(db, from_id=eve, to_id=ann, now=T0 + 1)
    assert [u["username"] for u in friends.friends_of(db, user_id=ann)] == ["bob", "cat"]
    assert friends.count_friends(db, user_id=ann) == 2 and friends.has_friends(db, user_id=ann)
    assert friends.count_friends(db, user_id=dan) == 0
    assert not friends.has_friends(db, user_id=dan)
    assert [u["username"] for u in friends.friends_of(db, user_id=ann, limit=1)] == ["bob"]
    assert [u["username"] for u in friends.friends_of(db, user_id=ann, limit=1, offset=1)] \
        == ["cat"]
    assert friends.friends_of(db, user_id=ann, limit=5, offset=2) == []
    assert sorted(friends.friend_ids(db, user_id=ann)) == sorted([bob, cat])
    assert [u["username"] for u in friends.incoming_requests(db, user_id=ann)] == ["eve", "dan"]
    assert friends.count_incoming_requests(db, user_id=ann) == 2
    assert friends.count_incoming_requests(db, user_id=dan) == 0
    assert [u["username"] for u in friends.outgoing_requests(db, user_id=dan)] == ["ann"]
    assert friends.outgoing_requests(db, user_id=ann) == []


def test_suggestions_put_friends_of_friends_first_and_skip_known_people(db, people):
    ann, bob, cat, dan, eve = (people[n] for n in ("ann", "bob", "cat", "dan", "eve"))
    fay = make_user(db, "fay")["id"]
    _befriend(db, ann, bob)
    _befriend(db, ann, cat)
    _befriend(db, bob, dan)
    _befriend(db, cat, dan)  # dan: two mutual friends
    _befriend(db, cat, eve)  # eve: one
    friends.request_or_accept(db, from_id=fay, to_id=ann, now=T0)  # pending: skipped
    suggested = [u["username"] for u in users.suggest_users(db, viewer_id=ann, limit=10)]
    assert suggested == ["dan", "eve"]
    make_user(db, "gus")
    suggested = [u["username"] for u in users.suggest_users(db, viewer_id=ann, limit=10)]
    assert suggested == ["dan", "eve", "gus"]
    assert len(users.suggest_users(db, viewer_id=ann, limit=1)) == 1
    assert fay not in [u["id"] for u in users.suggest_users(db, viewer_id=ann, limit=10)]
