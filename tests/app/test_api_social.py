"""Likes, comments, post edits and notifications through the JSON API (API.md v1.1)."""

import threading

import pytest


@pytest.fixture
def trio(make_user, befriend):
    """Alice, and her friends Bob and Carol (who are not friends of each other)."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    befriend(alice, carol)
    return alice, bob, carol


def new_post(author, body="Hello", visibility="public"):
    answer = author.post_json("/api/posts", {"body": body, "visibility": visibility})
    assert answer.status == 201, answer
    return answer.json()["id"]


POST_KINDS = ("like", "comment", "reply")


def notes(client, kind=None):
    """The client's notifications of `kind` (by default: about posts), newest first."""
    listed = client.get("/api/notifications").json()["notifications"]
    return [n for n in listed if n["kind"] == kind or (kind is None and n["kind"] in POST_KINDS)]


def rows(server, table, **where):
    sql = f"SELECT count(*) FROM {table}"
    if where:
        sql += " WHERE " + " AND ".join(f"{key} = :{key}" for key in where)
    return server.db.query_value(sql, where)


# -- likes ---------------------------------------------------------------------------


def test_liking_twice_is_one_like_and_unliking_is_idempotent(trio):
    alice, bob, _ = trio
    post_id = new_post(alice)
    assert bob.post_json(f"/api/posts/{post_id}/like").json() == {"likes": 1, "liked": True}
    assert bob.post_json(f"/api/posts/{post_id}/like").json() == {"likes": 1, "liked": True}
    seen_by_bob = bob.get(f"/api/posts/{post_id}").json()
    seen_by_alice = alice.get(f"/api/posts/{post_id}").json()
    assert (seen_by_bob["likes"], seen_by_bob["liked"]) == (1, True)
    assert (seen_by_alice["likes"], seen_by_alice["liked"]) == (1, False)
    assert bob.delete(f"/api/posts/{post_id}/like").json() == {"likes": 0, "liked": False}
    assert bob.delete(f"/api/posts/{post_id}/like").json() == {"likes": 0, "liked": False}


def test_a_like_notifies_the_author_once_and_unliking_removes_it(trio):
    alice, bob, _ = trio
    post_id = new_post(alice)
    alice.post_json(f"/api/posts/{post_id}/like")       # her own: nobody is told
    assert notes(alice, "like") == []
    bob.post_json(f"/api/posts/{post_id}/like")
    bob.post_json(f"/api/posts/{post_id}/like")
    [note] = notes(alice, "like")
    assert (note["actor"]["username"], note["post_id"], note["comment_id"], note["read"]) == \
        ("bob", post_id, None, False)
    bob.delete(f"/api/posts/{post_id}/like")
    assert notes(alice, "like") == []


def test_who_likes_a_post_lists_the_viewers_friends_first(server, make_user, befriend):
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    befriend(dave, carol)
    post_id = new_post(alice)
    for person in (carol, bob, alice):
        person.post_json(f"/api/posts/{post_id}/like")
    names = [u["username"] for u in dave.get(f"/api/posts/{post_id}/likes").json()["users"]]
    assert names[0] == "carol" and sorted(names) == ["alice", "bob", "carol"]
    assert len(dave.get(f"/api/posts/{post_id}/likes?limit=2").json()["users"]) == 2


def test_concurrent_likes_never_double_count(server, make_user):
    alice = make_user("alice")
    post_id = new_post(alice)
    likers = [make_user(f"fan{i}") for i in range(6)]
    clients = [server.client().bearer(fan.login_token) for fan in likers for _ in range(3)]
    barrier = threading.Barrier(len(clients))
    answers = []

    def like(client):
        barrier.wait()
        answers.append(client.post_json(f"/api/posts/{post_id}/like").status)

    threads = [threading.Thread(target=like, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [200] * len(clients)
    assert alice.get(f"/api/posts/{post_id}").json()["likes"] == 6
    assert rows(server, "likes", post_id=post_id) == 6
    assert rows(server, "notifications", post_id=post_id, kind="like") == 6


def test_the_database_refuses_a_second_like_row(server, make_user):
    from handlers.store.errors import UniqueViolation
    alice = make_user("alice")
    post_id = new_post(alice)
    alice.post_json(f"/api/posts/{post_id}/like")
    with pytest.raises(UniqueViolation):
        server.db.execute("INSERT INTO likes (post_id, user_id, created_at) VALUES (:p, :u, 0)",
                          {"p": post_id, "u": alice.user["id"]})


# -- comments ----------------------------------------------------------------------------


def test_a_comment_is_created_counted_and_listed(trio):
    alice, bob, _ = trio
    post_id = new_post(alice)
    made = bob.post_json(f"/api/posts/{post_id}/comments", {"body": "Nice\r\nrug"})
    assert made.status == 201
    comment = made.json()
    assert set(comment) == {"id", "post_id", "author", "body", "created_at"}
    assert (comment["post_id"], comment["author"]["username"], comment["body"]) == \
        (post_id, "bob", "Nice\nrug")
    assert alice.get(f"/api/posts/{post_id}").json()["comments"] == 1
    listed = alice.get(f"/api/posts/{post_id}/comments").json()
    assert listed == {"comments": [{**comment, "author": {**comment["author"],
                                                          "friendship": "friends"}}],
                      "next_before": None}


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 2001, None, 5, "bell\x07"])
def test_bad_comments_get_422_naming_the_body(trio, server, body):
    alice, bob, _ = trio
    post_id = new_post(alice)
    answer = bob.post_json(f"/api/posts/{post_id}/comments", {"body": body})
    assert answer.status == 422 and answer.error_code == "invalid"
    assert "body" in answer.json()["error"]["fields"]
    assert rows(server, "comments") == 0 and rows(server, "notifications", kind="comment") == 0


def test_a_comment_of_2000_characters_is_fine(trio):
    alice, bob, _ = trio
    post_id = new_post(alice)
    assert bob.post_json(f"/api/posts/{post_id}/comments", {"body": "y" * 2000}).status == 201


def test_comments_page_back_from_the_newest_in_written_order(trio):
    alice, bob, _ = trio
    post_id = new_post(alice)
    ids = [bob.post_json(f"/api/posts/{post_id}/comments", {"body": f"c{i}"}).json()["id"]
           for i in range(5)]
    first = alice.get(f"/api/posts/{post_id}/comments?limit=2").json()
    assert [c["id"] for c in first["comments"]] == ids[3:5]
    assert first["next_before"] == ids[3]
    second = alice.get(f"/api/posts/{post_id}/comments?limit=2&before={ids[3]}").json()
    assert [c["id"] for c in second["comments"]] == ids[1:3]
    last = alice.get(f"/api/posts/{post_id}/comments?limit=2&before={ids[1]}").json()
    assert [c["id"] for c in last["comments"]] == ids[:1] and last["next_before"] is None


def test_comment_and_reply_notifications_one_per_action(trio, make_user, befriend):
    alice, bob, carol = trio
    post_id = new_post(alice)
    bob.post_json(f"/api/posts/{post_id}/comments", {"body": "first"})
    [note] = notes(alice)
    assert (note["kind"], note["actor"]["username"]) == ("comment", "bob")
    made = carol.post_json(f"/api/posts/{post_id}/comments", {"body": "second"}).json()
    assert [(n["kind"], n["actor"]["username"], n["comment_id"]) for n in notes(bob)] == \
        [("reply", "carol", made["id"])]
    assert [n["kind"] for n in notes(alice)] == ["comment", "comment"]
    # The author, who now comments too, is told "comment" only by the next one.
    alice.post_json(f"/api/posts/{post_id}/comments", {"body": "thanks"})
    assert [n["kind"] for n in notes(alice)] == ["comment", "comment"]
    assert [n["actor"]["username"] for n in notes(bob, "reply")] == ["alice", "carol"]
    bob.post_json(f"/api/posts/{post_id}/comments", {"body": "again"})
    assert [n["kind"] for n in notes(alice)][0] == "comment"
    assert len(notes(alice)) == 3
    assert [n["actor"]["username"] for n in notes(bob)] == ["alice", "carol"]


def test_deleting_comments_who_may(trio, make_user, server):
    alice, bob, carol = trio
    dave = make_user("dave")
    post_id = new_post(alice, visibility="friends")
    by_bob = bob.post_json(f"/api/posts/{post_id}/comments", {"body": "b"}).json()["id"]
    by_carol = carol.post_json(f"/api/posts/{post_id}/comments", {"body": "c"}).json()["id"]
    assert rows(server, "notifications", comment_id=by_carol) == 2   # alice, and bob
    assert carol.delete(f"/api/comments/{by_bob}").status == 403     # sees it, not hers
    assert dave.delete(f"/api/comments/{by_bob}").status == 404      # cannot see the post
    assert bob.delete("/api/comments/999999").status == 404
    assert bob.delete(f"/api/comments/{by_bob}").status == 204       # his own
    assert alice.delete(f"/api/comments/{by_carol}").status == 204   # on her post
    assert alice.delete(f"/api/comments/{by_carol}").status == 404
    assert rows(server, "comments") == 0
    assert rows(server, "notifications", kind="comment") == 0
    assert rows(server, "notifications", kind="reply") == 0


def test_deleting_a_post_removes_its_likes_comments_and_notifications(trio, server):
    alice, bob, carol = trio
    post_id = new_post(alice)
    bob.post_json(f"/api/posts/{post_id}/like")
    bob.post_json(f"/api/posts/{post_id}/comments", {"body": "b"})
    carol.post_json(f"/api/posts/{post_id}/comments", {"body": "c"})
    assert rows(server, "notifications", post_id=post_id) == 4
    assert alice.delete(f"/api/posts/{post_id}").status == 204
    assert rows(server, "likes") == rows(server, "comments") == 0
    assert rows(server, "notifications", post_id=post_id) == 0
    assert bob.get(f"/api/posts/{post_id}/comments").status == 404


# -- editing -------------------------------------------------------------------------------


def test_editing_the_text_sets_edited_at(trio, clock):
    alice, bob, _ = trio
    post_id = new_post(alice, "first words")
    same = alice.patch_json(f"/api/posts/{post_id}", {"body": "first words"}).json()
    assert same["edited_at"] is None
    only_scope = alice.patch_json(f"/api/posts/{post_id}", {"visibility": "friends"}).json()
    assert only_scope["edited_at"] is None and only_scope["visibility"] == "friends"
    clock.advance(90)
    edited = alice.patch_json(f"/api/posts/{post_id}", {"body": "better words",
                                                        "visibility": "public"})
    assert edited.status == 200
    post = edited.json()
    assert (post["body"], post["visibility"]) == ("better words", "public")
    assert post["edited_at"] and post["edited_at"] > post["created_at"]
    assert bob.get(f"/api/posts/{post_id}").json()["edited_at"] == post["edited_at"]


@pytest.mark.parametrize(("change", "field"), [
    ({"body": "   "}, "body"), ({"body": "x" * 5001}, "body"), ({"body": None}, "body"),
    ({"body": 7}, "body"), ({"visibility": "everyone"}, "visibility"), ({}, "body"),
    # "" means the default only for a new post: an edit once made it "friends" silently.
    ({"visibility": ""}, "visibility"), ({"visibility": None}, "visibility")])
def test_bad_edits_get_422_naming_the_field(trio, change, field):
    alice, _, _ = trio
    post_id = new_post(alice, "keep me")
    answer = alice.patch_json(f"/api/posts/{post_id}", change)
    assert answer.status == 422 and field in answer.json()["error"]["fields"]
    post = alice.get(f"/api/posts/{post_id}").json()
    assert (post["body"], post["visibility"]) == ("keep me", "public")


def test_only_the_author_edits(trio, make_user):
    alice, bob, _ = trio
    dave = make_user("dave")
    post_id = new_post(alice, visibility="friends")
    assert bob.patch_json(f"/api/posts/{post_id}", {"body": "mine now"}).status == 403
    assert dave.patch_json(f"/api/posts/{post_id}", {"body": "mine now"}).status == 404


# -- notifications ----------------------------------------------------------------------


def test_notifications_list_count_and_mark_read(trio):
    alice, bob, carol = trio
    post_id = new_post(alice)
    bob.post_json(f"/api/posts/{post_id}/like")
    carol.post_json(f"/api/posts/{post_id}/like")
    bob.post_json(f"/api/posts/{post_id}/comments", {"body": "hi"})
    page = alice.get("/api/notifications").json()
    # befriend() earlier: alice accepted nobody's request but was accepted twice.
    kinds = [n["kind"] for n in page["notifications"]]
    assert kinds[:3] == ["comment", "like", "like"] and page["unread"] == len(kinds)
    ids = [n["id"] for n in page["notifications"]]
    assert ids == sorted(ids, reverse=True)
    first = alice.get("/api/notifications?limit=2").json()
    assert [n["id"] for n in first["notifications"]] == ids[:2]
    assert first["next_before"] == ids[1]
    assert alice.post_json("/api/notifications/read", {"up_to": ids[2]}).status == 204
    after = alice.get("/api/notifications").json()
    assert after["unread"] == 2
    assert [n["read"] for n in after["notifications"]] == [False, False] + [True] * (len(ids) - 2)
    assert alice.post_json("/api/notifications/read", {}).status == 204
    assert alice.get("/api/notifications").json()["unread"] == 0


def test_mark_read_takes_a_whole_number_written_with_a_point(trio):
    """JSON has one kind of number: 5.0 is the integer 5 (schemathesis sends such)."""
    alice, bob, _ = trio
    bob.post_json(f"/api/posts/{new_post(alice)}/like")
    newest = alice.get("/api/notifications").json()["notifications"][0]["id"]
    answer = alice.post_json("/api/notifications/read", {"up_to": float(newest)})
    assert answer.status == 204, answer
    assert alice.get("/api/notifications").json()["unread"] == 0


@pytest.mark.parametrize("up_to", [0, -3, "5", True, 1.5, 0.0])
def test_mark_read_refuses_a_bad_up_to(trio, up_to):
    alice = trio[0]
    answer = alice.post_json("/api/notifications/read", {"up_to": up_to})
    assert answer.status == 422 and "up_to" in answer.json()["error"]["fields"]


def test_friend_requests_notify_and_cancelling_removes_it(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    ann.post_json("/api/friends/ben")
    assert [(n["actor"]["username"], n["post_id"]) for n in notes(ben, "friend_request")] == \
        [("ann", None)]
    ann.delete("/api/friends/ben")
    assert ben.get("/api/notifications").json() == {"notifications": [], "unread": 0,
                                                    "next_before": None}
    ann.post_json("/api/friends/ben")
    ben.post_json("/api/friends/ann")
    [accepted] = ann.get("/api/notifications").json()["notifications"]
    assert (accepted["kind"], accepted["actor"]["friendship"]) == ("friend_accepted", "friends")


def test_a_reply_hidden_by_unfriending_no_longer_shows_or_counts(trio):
    alice, bob, carol = trio
    post_id = new_post(alice, visibility="friends")
    bob.post_json(f"/api/posts/{post_id}/comments", {"body": "b"})
    carol.post_json(f"/api/posts/{post_id}/comments", {"body": "c"})
    assert len(notes(bob, "reply")) == 1
    unread_before = bob.get("/api/notifications").json()["unread"]
    alice.delete("/api/friends/bob")
    assert notes(bob, "reply") == []
    assert bob.get("/api/notifications").json()["unread"] == unread_before - 1
    assert bob.post_json(f"/api/posts/{post_id}/like").status == 404
    assert bob.post_json(f"/api/posts/{post_id}/comments", {"body": "?"}).status == 404
    # His earlier comment stays for those who still see the post.
    assert [c["body"] for c in carol.get(f"/api/posts/{post_id}/comments").json()
            ["comments"]] == ["b", "c"]
