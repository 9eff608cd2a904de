"""Post cards come from the card cache, with this request's strings, and change with their post."""

import re

from appclient import PASSWORD, login
from pages_helpers import csrf_of, submit


def card_of(page, post_id: int) -> str:
    match = re.search(rf'<article class="card post" id="post-{post_id}".*?</article>', page.text,
                      re.S)
    assert match, f"no card for post {post_id}"
    return match.group(0)


def test_a_cached_card_carries_each_viewer_s_own_strings(server, make_user, befriend, clock):
    alice, bob = make_user("alice", "Alice Liddell"), make_user("bob", "Bob Marley")
    befriend(alice, bob)
    post_id = alice.post_json("/api/posts", {"body": "cached <b>card</b>",
                                             "visibility": "friends"}).json()["id"]
    cards = server.app.ctx.cards
    assert "just now" in card_of(alice.get("/"), post_id)
    misses = cards.misses
    again = alice.get("/u/alice")  # another page, same card
    assert cards.misses == misses and cards.hits > 0
    card = card_of(again, post_id)
    assert "cached &lt;b&gt;card&lt;/b&gt;" in card
    assert f'name="csrf_token" value="{csrf_of(again)}"' in card
    assert 'name="next" value="/u/alice"' in card
    clock.advance(600)
    assert "10 min ago" in card_of(alice.get("/"), post_id)
    # Bob gets no author's menu, his own token, and his own avatar in the comment box.
    bobs_page = bob.get("/")
    bobs = card_of(bobs_page, post_id)
    assert "Post options" not in bobs and "Post options" in card_of(alice.get("/"), post_id)
    assert f'value="{csrf_of(bobs_page)}"' in bobs and csrf_of(bobs_page) != csrf_of(again)
    assert ">BM</span>" in bobs and ">BM</span>" not in card_of(alice.get("/"), post_id)


def test_a_changed_post_gets_a_new_card(server, make_user, befriend):
    alice, bob = make_user("alice"), make_user("bob")
    befriend(alice, bob)
    post_id = alice.post_json("/api/posts", {"body": "will change",
                                             "visibility": "public"}).json()["id"]
    assert 'title="Public"' in card_of(alice.get("/"), post_id)
    submit(bob, f"/posts/{post_id}/like", {})
    assert "1 like" in card_of(alice.get("/"), post_id)
    submit(bob, f"/posts/{post_id}/comments", {"body": "nice one"})
    assert "nice one" in card_of(alice.get("/"), post_id)
    submit(alice, f"/posts/{post_id}/visibility", {"visibility": "private"})
    assert 'title="Only me"' in card_of(alice.get("/"), post_id)
    submit(alice, f"/posts/{post_id}/delete", {"confirm": "yes"})
    assert f'id="post-{post_id}"' not in alice.get("/").text


def test_a_page_that_prints_the_card_sentinel_is_still_right(server, make_user):
    """The sentinel standing for encoded cards is random; if a page printed it anyway
    (here: a search query), the count check renders the page the plain way."""
    alice = make_user("alice")
    alice.post_json("/api/posts", {"body": "hello", "visibility": "public"})
    views, cards = server.app.ctx.views, server.app.ctx.cards
    seen = []
    original = views.render_utf8
    views.render_utf8 = lambda name, context, c=None: (seen.append(context),
                                                       original(name, context, c))[1]
    try:
        alice.get("/")
    finally:
        views.render_utf8 = original
    context = dict(seen[-1], search_q=cards._sentinel)
    expected = views.render_with_chevron("home", context).encode("utf-8")
    assert views.render_utf8("home", context, cards) == expected


def test_viewers_sharing_a_card_each_get_their_own_strings(server, make_user):
    carol = make_user("carol", "Carol Ann")
    post_id = carol.post_json("/api/posts", {"body": "for everyone",
                                             "visibility": "public"}).json()["id"]
    readers = [make_user(name, full) for name, full in (("alice", "Alice Liddell"),
                                                        ("bob", "Bob Marley"))]
    alice_again = server.client()
    assert login(alice_again, "alice", PASSWORD).status == 200
    cards = server.app.ctx.cards
    for _ in range(2):  # the second time every card comes from the cache
        for reader, initials in ((readers[0], "AL"), (readers[1], "BM"), (alice_again, "AL")):
            page = reader.get("/")
            card = card_of(page, post_id)
            assert f'value="{csrf_of(page)}"' in card and f">{initials}</span>" in card
    assert cards.hits >= 3


def test_the_card_key_holds_the_author_s_picture_and_name():
    from handlers.pages.cards import key_of
    row = {"id": 1, "author_id": 2, "author_username": "ann", "author_name": "Ann",
           "author_avatar_name": None, "author_bio": "", "body": "hi", "created_at": 1}
    base = key_of(row, [], 3)
    assert key_of(dict(row), [], 3) == base
    assert key_of({**row, "author_avatar_name": "face0000.jpg"}, [], 3) != base
    assert key_of({**row, "author_name": "Annie"}, [], 3) != base
    comment = {"id": 9, "post_id": 1, "body": "x", "created_at": 1,
               "author": {"id": 4, "username": "bob", "name": "Bob", "avatar_name": None}}
    with_face = {**comment, "author": {**comment["author"], "avatar_name": "bob00000.png"}}
    assert key_of(row, [comment], 3) != key_of(row, [with_face], 3)


def test_a_list_of_cached_cards_with_one_changed_keeps_its_order(server, make_user, befriend,
                                                                 clock):
    """A feed's cards are taken a list at a time (`CardCache.wrap`'s `each`): cached
    ones, a changed one in the middle and relative times past their end, in order."""
    alice, bob = make_user("alice"), make_user("bob")
    befriend(alice, bob)
    ids = []
    for n in range(4):
        ids.append(alice.post_json("/api/posts", {"body": f"post {n}",
                                                  "visibility": "friends"}).json()["id"])
        clock.advance(120)
    order = [int(i) for i in re.findall(r'<article class="card post" id="post-(\d+)"',
                                        bob.get("/").text)]
    assert order == ids[::-1]
    hits = server.app.ctx.cards.hits
    assert [int(i) for i in re.findall(r'id="post-(\d+)"', bob.get("/").text)] == ids[::-1]
    assert server.app.ctx.cards.hits >= hits + 4
    submit(bob, f"/posts/{ids[1]}/like", {})
    clock.advance(3600)
    page = bob.get("/")
    assert [int(i) for i in re.findall(r'<article class="card post" id="post-(\d+)"',
                                       page.text)] == ids[::-1]
    assert "is-liked" in card_of(page, ids[1]) and "is-liked" not in card_of(page, ids[2])
    assert all("1 h ago" in card_of(page, i) for i in ids)
