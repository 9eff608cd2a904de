"""messages.py: conversations, unread counts, mark_read, live-delivery polling."""

import pytest
from store_fixtures import (
    SQLITE_ONLY,
    T0,
    db_fixture,  # noqa: F401  (the `db` fixture)
    make_user,
)

from handlers.store import messages


@pytest.fixture
def trio(db):
    return tuple(make_user(db, name)["id"] for name in ("ann", "bob", "cat"))


def _send(db, sender, recipient, body, now=T0):
    return messages.send_message(db, sender_id=sender, recipient_id=recipient, body=body, now=now)


def test_send_message_returns_the_message_dict(db, trio):
    ann, bob, _ = trio
    message = _send(db, ann, bob, "hi bob")
    assert message == {"id": message["id"], "sender_id": ann, "recipient_id": bob,
                       "from_username": "ann", "to_username": "bob", "body": "hi bob",
                       "created_at": T0, "read_at": None}


def test_conversation_holds_both_directions_newest_first_and_nobody_else(db, trio):
    ann, bob, cat = trio
    sent = [_send(db, ann, bob, "1"), _send(db, bob, ann, "2"), _send(db, cat, ann, "x"),
            _send(db, ann, bob, "3")]
    talk = messages.conversation(db, user_id=bob, other_id=ann)
    assert [m["body"] for m in talk] == ["3", "2", "1"]
    assert [m["id"] for m in messages.conversation(db, user_id=ann, other_id=bob)] == \
        [sent[3]["id"], sent[1]["id"], sent[0]["id"]]


def test_conversation_pages_by_keyset(db, trio):
    ann, bob, _ = trio
    ids = [_send(db, ann if i % 2 else bob, bob if i % 2 else ann, str(i))["id"]
           for i in range(11)]
    pages, before = [], None
    while page := messages.conversation(db, user_id=ann, other_id=bob, before=before, limit=4):
        pages.append([m["id"] for m in page])
        before = page[-1]["id"]
    assert [len(page) for page in pages] == [4, 4, 3]
    assert [i for page in pages for i in page] == ids[::-1]


def test_unread_counts_and_mark_read(db, trio):
    ann, bob, cat = trio
    _send(db, bob, ann, "1")
    _send(db, bob, ann, "2")
    _send(db, cat, ann, "3")
    _send(db, ann, bob, "mine")  # sent by ann: never unread for her
    assert messages.unread_total(db, user_id=ann) == 3
    assert messages.mark_read(db, reader_id=ann, other_id=bob, now=T0 + 5) == 2
    assert messages.mark_read(db, reader_id=ann, other_id=bob, now=T0 + 9) == 0
    assert messages.unread_total(db, user_id=ann) == 1
    assert {m["read_at"] for m in messages.conversation(db, user_id=ann, other_id=bob)
            if m["recipient_id"] == ann} == {T0 + 5}
    assert messages.unread_total(db, user_id=bob) == 1  # "mine" is still unread by bob


def test_conversations_list_latest_first_with_unread(db, trio):
    ann, bob, cat = trio
    _send(db, bob, ann, "from bob")
    _send(db, cat, ann, "from cat 1")
    _send(db, cat, ann, "from cat 2")
    last = _send(db, ann, bob, "reply to bob")
    listing = messages.conversations_for(db, user_id=ann)
    assert [(c["with"]["username"], c["last"]["body"], c["unread"]) for c in listing] == [
        ("bob", "reply to bob", 1), ("cat", "from cat 2", 2)]
    assert listing[0]["last"] == last
    assert set(listing[0]["with"]) == {"id", "username", "name", "created_at", "bio",
                                       "avatar_name"}
    assert messages.conversations_for(db, user_id=make_user(db, "dan")["id"]) == []


def test_messages_after_returns_new_messages_for_given_recipients(db, trio):
    ann, bob, cat = trio
    assert messages.max_message_id(db) == 0
    _send(db, ann, bob, "old")
    start = messages.max_message_id(db)
    new_to_bob = _send(db, ann, bob, "new")
    _send(db, bob, cat, "to cat")
    new_to_ann = _send(db, cat, ann, "to ann")
    found = messages.messages_after(db, after_id=start, recipient_ids=[bob, ann])
    assert [m["id"] for m in found] == [new_to_bob["id"], new_to_ann["id"]]
    assert messages.messages_after(db, after_id=start, recipient_ids=[]) == []
    assert messages.max_message_id(db) == new_to_ann["id"]


def test_messages_after_caps_one_batch(db, trio):
    ann, bob, _ = trio
    db.execute_many("INSERT INTO messages (sender_id, recipient_id, body, created_at)"
                    " VALUES (:ann, :bob, 'x', 0)",
                    [{"ann": ann, "bob": bob}] * (messages.MAX_LIVE_BATCH + 3))
    first = messages.messages_after(db, after_id=0, recipient_ids=[bob])
    assert len(first) == messages.MAX_LIVE_BATCH
    rest = messages.messages_after(db, after_id=first[-1]["id"], recipient_ids=[bob])
    assert len(rest) == 3


@SQLITE_ONLY
def test_message_plans_seek_indexes(db):
    params = {"user_id": 1, "other_id": 2, "before": 2**62, "limit": 20, "after_id": 0,
              "recipient_ids": "[1]"}
    for sql in (messages._CONVERSATION_SQL, messages._CONVERSATIONS_SQL):
        plan = [r["detail"] for r in db.query_all("EXPLAIN QUERY PLAN " + sql, params)]
        assert not [line for line in plan if line.startswith(("SCAN messages", "SCAN m "))], plan
