"""Likes, comments, edits and notifications in the HTML pages, without JavaScript:
forms that redirect back to the same place, and 404 for hidden posts everywhere."""

from __future__ import annotations

import re

import pytest
from pages_helpers import csrf_of, flash_of, page_token, submit, visible_text


@pytest.fixture
def cast(make_user, befriend, client):
    """alice (author), bob (her friend), carol (a stranger), a logged-out visitor;
    alice has one post of each visibility, each with a comment by her."""
    alice, bob, carol = make_user("alice", "Alice Liddell"), make_user("bob", "Bob Stone"), \
        make_user("carol")
    befriend(alice, bob)
    posts = {}
    for visibility in ("public", "friends", "private"):
        made = alice.post_json("/api/posts", {"body": f"alice {visibility} post",
                                              "visibility": visibility}).json()
        alice.post_json(f"/api/posts/{made['id']}/comments", {"body": f"note on {visibility}"})
        posts[visibility] = made["id"]
    return {"alice": alice, "bob": bob, "carol": carol, "visitor": client, "posts": posts}


SEES = {"alice": {"public", "friends", "private"}, "bob": {"public", "friends"},
        "carol": {"public"}, "visitor": {"public"}}


def card(page, post_id) -> str:
    match = re.search(rf'<article class="card post" id="post-{post_id}".*?</article>',
                      page.text, re.S)
    assert match, f"no card for post {post_id}"
    return match.group(0)


def test_liking_and_unliking_from_the_feed_redirects_back_to_the_card(cast):
    bob, post_id = cast["bob"], cast["posts"]["friends"]
    liked = submit(bob, f"/posts/{post_id}/like", {"next": "/"})
    assert liked.status == 303 and liked.headers["location"] == f"/#post-{post_id}"
    shown = card(bob.get("/"), post_id)
    assert "You" in visible_text_of(shown) and 'aria-pressed="true"' in shown
    assert f'action="/posts/{post_id}/unlike"' in shown
    alice_sees = card(cast["alice"].get("/"), post_id)
    assert "1 like" in visible_text_of(alice_sees)
    submit(bob, f"/posts/{post_id}/unlike", {"next": "/u/alice"}, from_page="/u/alice")
    shown = card(bob.get("/"), post_id)
    assert 'aria-pressed="false"' in shown and f'action="/posts/{post_id}/like"' in shown


def visible_text_of(fragment: str) -> str:
    class Fake:
        text = fragment
    return visible_text(Fake)


def test_the_counts_line_says_you_and_others(cast, make_user, befriend):
    alice, bob, post_id = cast["alice"], cast["bob"], cast["posts"]["public"]
    for name in ("dan", "eve"):
        make_user(name).post_json(f"/api/posts/{post_id}/like")
    submit(bob, f"/posts/{post_id}/like", {"next": "/"})
    assert "You and 2 others" in visible_text_of(card(bob.get("/"), post_id))
    assert "3 likes" in visible_text_of(card(alice.get("/"), post_id))


def test_commenting_without_javascript_lands_on_the_new_comment(cast):
    bob, post_id = cast["bob"], cast["posts"]["friends"]
    answer = submit(bob, f"/posts/{post_id}/comments", {"body": "Lovely <b>rug</b>",
                                                        "next": "/"})
    assert answer.status == 303
    assert re.fullmatch(r"/#c-\d+", answer.headers["location"]), answer.headers["location"]
    page = bob.get("/")
    assert flash_of(page) == "Comment added."
    shown = card(page, post_id)
    assert "Lovely &lt;b&gt;rug&lt;/b&gt;" in shown and "<b>rug" not in shown
    assert "2 comments" in visible_text_of(shown)


@pytest.mark.parametrize(("body", "message"), [("   ", "Write something first."),
                                               ("x" * 2001, "up to 2,000 characters")])
def test_a_refused_comment_comes_back_with_a_message(cast, server, body, message):
    bob, post_id = cast["bob"], cast["posts"]["friends"]
    answer = submit(bob, f"/posts/{post_id}/comments", {"body": body, "next": "/"})
    assert answer.status == 303 and answer.headers["location"] == f"/#post-{post_id}"
    assert message in flash_of(bob.get("/"))
    assert server.db.query_value("SELECT count(*) FROM comments WHERE post_id = :p",
                                 {"p": post_id}) == 1


def test_the_card_shows_the_latest_two_comments_and_a_link_to_earlier_ones(cast):
    alice, post_id = cast["alice"], cast["posts"]["public"]
    for i in range(3):
        alice.post_json(f"/api/posts/{post_id}/comments", {"body": f"later {i}"})
    shown = card(alice.get("/"), post_id)
    assert "later 1" in shown and "later 2" in shown
    assert "later 0" not in shown and "note on public" not in shown
    assert "View earlier comments" in shown and "4 comments" in visible_text_of(shown)
    full = alice.get(f"/posts/{post_id}")
    assert all(text in full.text for text in ("note on public", "later 0", "later 2"))
    assert "View earlier comments" not in full.text


def test_deleting_comments_from_the_page(cast):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    post_id = cast["posts"]["public"]
    by_carol = carol.post_json(f"/api/posts/{post_id}/comments", {"body": "by carol"}).json()
    by_bob = bob.post_json(f"/api/posts/{post_id}/comments", {"body": "by bob"}).json()
    # Delete controls: her own for Carol, every one for the post's author.
    carol_card = card(carol.get(f"/posts/{post_id}"), post_id)
    assert f'/comments/{by_carol["id"]}/delete' in carol_card
    assert f'/comments/{by_bob["id"]}/delete' not in carol_card
    alice_card = card(alice.get(f"/posts/{post_id}"), post_id)
    assert f'/comments/{by_bob["id"]}/delete' in alice_card
    refused = submit(carol, f"/comments/{by_bob['id']}/delete", {"next": "/"})
    assert refused.status == 403
    done = submit(alice, f"/comments/{by_bob['id']}/delete", {"next": f"/posts/{post_id}"},
                  from_page=f"/posts/{post_id}")
    assert done.status == 303 and done.headers["location"] == f"/posts/{post_id}#post-{post_id}"
    assert "by bob" not in alice.get(f"/posts/{post_id}").text


@pytest.mark.parametrize("who", sorted(SEES))
@pytest.mark.parametrize("visibility", ["public", "friends", "private"])
def test_hidden_posts_are_404_for_every_social_page_and_action(cast, who, visibility):
    client, post_id = cast[who], cast["posts"][visibility]
    page = client.get(f"/posts/{post_id}")
    assert page.status == (200 if visibility in SEES[who] else 404)
    assert (f"note on {visibility}" in page.text) == (visibility in SEES[who])
    if who == "visitor":
        assert 'data-comment-form' not in page.text          # nothing to act with
        return
    token = page_token(client, "/")
    answers = [client.post_form(f"/posts/{post_id}/{action}",
                                {"csrf_token": token, "body": "hi", "next": "/"})
               for action in ("like", "unlike", "comments")]
    if visibility in SEES[who]:
        assert [a.status for a in answers] == [303, 303, 303]
    else:
        assert [a.status for a in answers] == [404, 404, 404]
        assert all("note on" not in a.text for a in answers)


def test_the_author_edits_a_post_and_it_says_edited(cast, clock):
    alice, bob, post_id = cast["alice"], cast["bob"], cast["posts"]["friends"]
    form = alice.get(f"/posts/{post_id}/edit")
    assert form.status == 200 and "alice friends post</textarea>" in form.text
    assert bob.get(f"/posts/{post_id}/edit").status == 403
    assert cast["carol"].get(f"/posts/{post_id}/edit").status == 404
    clock.advance(60)
    saved = alice.post_form(f"/posts/{post_id}/edit", {"csrf_token": csrf_of(form),
                                                       "body": "a better text"})
    assert saved.status == 303 and saved.headers["location"] == f"/posts/{post_id}"
    shown = card(bob.get("/"), post_id)
    assert "a better text" in shown and "data-edited>Edited<" in shown
    empty = alice.post_form(f"/posts/{post_id}/edit", {"csrf_token": csrf_of(form),
                                                       "body": "  "})
    assert empty.status == 422 and 'id="edit-error"' in empty.text


def test_the_bell_counts_and_the_notifications_page_marks_read(cast):
    alice, bob = cast["alice"], cast["bob"]
    post_id = cast["posts"]["friends"]
    bob.post_json(f"/api/posts/{post_id}/like")
    bob.post_json(f"/api/posts/{post_id}/comments", {"body": "nice"})
    unread = alice.get("/api/notifications").json()["unread"]
    home = alice.get("/")
    assert re.search(r'data-badge="notifications">\s*<span data-badge-count>'
                     rf'{unread}</span>', home.text)
    page = alice.get("/notifications")
    text = visible_text(page)
    assert "Today" in text
    assert "Bob Stone liked your post: “alice friends post”" in " ".join(text.split())
    assert "Bob Stone commented on your post" in " ".join(text.split())
    assert page.text.count("note--unread") == unread
    assert f'href="/posts/{post_id}"' in page.text
    assert alice.get("/api/notifications").json()["unread"] == 0
    assert 'data-badge="notifications" hidden' in alice.get("/").text


def test_forms_need_their_csrf_token(cast):
    bob, post_id = cast["bob"], cast["posts"]["friends"]
    for action in ("like", "comments"):
        answer = bob.post_form(f"/posts/{post_id}/{action}", {"body": "x", "next": "/"})
        assert answer.status == 403
    assert bob.get(f"/api/posts/{post_id}").json()["likes"] == 0


def test_logged_out_actions_go_to_the_login_page(cast):
    visitor, post_id = cast["visitor"], cast["posts"]["public"]
    answer = visitor.post_form(f"/posts/{post_id}/like", {"next": "/"})
    assert answer.status == 303 and answer.headers["location"].startswith("/login")
    assert visitor.get("/notifications").headers["location"].startswith("/login")
