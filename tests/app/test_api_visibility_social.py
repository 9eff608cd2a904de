"""The visibility matrix (author / friend / stranger / logged out x public / friends /
private) for likes, comments and notifications: whoever cannot see a post gets 404
for all of it, and is never told about it."""

import pytest
from test_api_visibility import SEES, VISIBILITIES


@pytest.fixture
def world(server, make_user, befriend):
    """Alice posts one post of each visibility, each with a like and a comment by her;
    Bob is her friend, Carol is not."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    posts, comments = {}, {}
    for visibility in VISIBILITIES:
        made = alice.post_json("/api/posts", {"body": f"{visibility} post",
                                              "visibility": visibility})
        posts[visibility] = made.json()["id"]
        alice.post_json(f"/api/posts/{posts[visibility]}/like")
        comments[visibility] = alice.post_json(f"/api/posts/{posts[visibility]}/comments",
                                               {"body": "mine"}).json()["id"]
    viewers = {"author": alice, "friend": bob, "stranger": carol, "anonymous": server.client()}
    return viewers, posts, comments


def reads(client, post_id):
    return [client.get(f"/api/posts/{post_id}/likes"),
            client.get(f"/api/posts/{post_id}/comments")]


@pytest.mark.parametrize("viewer", ["author", "friend", "stranger"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_likes_and_comments_obey_the_post_visibility(world, viewer, visibility):
    viewers, posts, comments = world
    client, post_id = viewers[viewer], posts[visibility]
    answers = reads(client, post_id) + [
        client.post_json(f"/api/posts/{post_id}/like"),
        client.delete(f"/api/posts/{post_id}/like"),
        client.post_json(f"/api/posts/{post_id}/comments", {"body": "hello"})]
    if visibility in SEES[viewer]:
        assert [a.status for a in answers] == [200, 200, 200, 200, 201]
        assert [u["username"] for u in answers[0].json()["users"]] == ["alice"]
        assert [c["body"] for c in answers[1].json()["comments"]] == ["mine"]
    else:
        assert [a.status for a in answers] == [404] * 5
        assert {a.error_code for a in answers} == {"not_found"}
        assert b"mine" not in b"".join(a.body for a in answers)


@pytest.mark.parametrize("viewer", ["friend", "stranger"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_deleting_a_comment_is_404_unless_the_post_is_visible(world, viewer, visibility):
    viewers, posts, comments = world
    answer = viewers[viewer].delete(f"/api/comments/{comments[visibility]}")
    # Visible but not theirs: 403. Not visible: 404, as if there were no comment.
    assert answer.status == (403 if visibility in SEES[viewer] else 404)


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_logged_out_visitors_get_401_for_likes_and_comments(world, visibility):
    viewers, posts, comments = world
    anonymous, post_id = viewers["anonymous"], posts[visibility]
    answers = reads(anonymous, post_id) + [
        anonymous.post_json(f"/api/posts/{post_id}/like"),
        anonymous.post_json(f"/api/posts/{post_id}/comments", {"body": "x"}),
        anonymous.delete(f"/api/comments/{comments[visibility]}"),
        anonymous.get("/api/notifications")]
    assert {a.status for a in answers} == {401}


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_counts_in_the_feed_are_hidden_with_the_post(world, visibility):
    viewers, posts, _ = world
    for viewer, client in viewers.items():
        if viewer == "anonymous":
            continue
        feed = {p["id"]: p for p in client.get("/api/feed").json()["posts"]}
        if visibility in SEES[viewer]:
            assert (feed[posts[visibility]]["likes"], feed[posts[visibility]]["comments"]) == \
                (1, 1)
        else:
            assert posts[visibility] not in feed


@pytest.mark.parametrize("viewer", ["friend", "stranger"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_replies_reach_only_those_who_still_see_the_post(server, make_user, befriend,
                                                         viewer, visibility):
    """Everyone comments on a public post; the author then sets its visibility and
    comments again. Each earlier commenter sees the reply only if the post is
    still visible to them, and the unread count agrees."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    people = {"friend": bob, "stranger": carol}
    post_id = alice.post_json("/api/posts", {"body": "p", "visibility": "public"}).json()["id"]
    for person in people.values():
        person.post_json(f"/api/posts/{post_id}/comments", {"body": "early"})
    alice.patch_json(f"/api/posts/{post_id}", {"visibility": visibility})
    alice.post_json(f"/api/posts/{post_id}/comments", {"body": "reply"})
    page = people[viewer].get("/api/notifications").json()
    replies = [n for n in page["notifications"] if n["kind"] == "reply" and
               n["actor"]["username"] == "alice"]
    assert bool(replies) == (visibility in SEES[viewer])
    hidden_before = page["unread"]
    # ... and an earlier notification disappears when the post is hidden later.
    alice.patch_json(f"/api/posts/{post_id}", {"visibility": "private"})
    after = people[viewer].get("/api/notifications").json()
    assert [n for n in after["notifications"] if n["post_id"] == post_id] == []
    assert after["unread"] == hidden_before - len(
        [n for n in page["notifications"] if n["post_id"] == post_id])
