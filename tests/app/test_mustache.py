"""The generated renderer gives exactly what chevron gives, page by page and in corner cases."""

import pytest
from chevron.tokenizer import tokenize

from handlers.mustache import compile_templates, render
from handlers.views import Views

PAGES = ["/", "/u/alice", "/u/bob", "/friends", "/people?q=a", "/people", "/chat", "/chat/bob",
         "/posts/1", "/no-such-page", "/login", "/signup"]


def render_both(template: str, data: dict, partials: dict | None = None):
    import chevron
    partials = partials or {}
    compiled = compile_templates({"main": list(tokenize(template)),
                                  **{k: list(tokenize(v)) for k, v in partials.items()}})
    ours = render(compiled["main"], data)
    theirs = chevron.render(template, data, partials_path=None, partials_dict=partials)
    return ours, theirs


@pytest.mark.parametrize("template, data", [
    ("{{a}} {{b}} {{c}} {{d}} {{e}}", {"a": 0, "b": False, "c": None, "d": [], "e": "<&\">'"}),
    ("{{#xs}}[{{.}}]{{/xs}}", {"xs": [1, 0, "", "a", None, False]}),
    ("{{#d}}{{x}}-{{y}}{{/d}}{{^d}}none{{/d}}", {"d": {"x": 1}, "y": 2}),
    ("{{#d}}yes{{/d}}{{^d}}no{{/d}}", {"d": {}}),
    ("{{a.b.c}}|{{a.b.z}}|{{a.0}}", {"a": {"b": {"c": "deep"}, "0": "zero"}}),
    ("{{#list}}{{name}} of {{owner}}\n{{/list}}", {"list": [{"name": "x"}, {"name": "y", "owner": "me"}],
                                                  "owner": "outer"}),
    ("{{&raw}} {{{raw}}}", {"raw": "<b>"}),
    ("{{! comment }}a{{=<% %>=}}<% b %>", {"b": "B"}),
    ("{{#t}}({{.}}){{/t}}|{{#t}}{{#.}}<{{.}}>{{/.}}{{/t}}", {"t": (1, 2)}),
    ("{{#s}}{{title}}{{/s}}", {"s": "text", "title": "T"}),  # str scope: str.title wins
    ("{{#yes}}{{^no}}{{.}}{{/no}}{{/yes}}", {"yes": True, "no": 0}),
    ("{{#d}}{{#d}}{{x}}{{/d}}{{/d}}", {"d": {"x": "<inner>"}}),
    ("{{#list}}{{#.}}{{name}}{{/.}}{{/list}}", {"list": [{"name": "n"}, {}, None]}),
    ("{{missing}}{{missing.deep}}{{#missing}}x{{/missing}}{{^missing}}y{{/missing}}", {}),
    ("{{n}}{{f}}{{z}}{{e}}", {"n": 3.5, "f": 0.0, "z": -0, "e": ""}),
])
def test_compiled_render_matches_chevron(template, data):
    ours, theirs = render_both(template, data)
    assert ours == theirs


def test_indented_partials_match_chevron():
    ours, theirs = render_both("<ul>\n  {{> item}}\n  {{#xs}}\n    {{> item}}\n  {{/xs}}\n</ul>",
                               {"xs": [{"v": 1}, {"v": 2}], "v": 0},
                               {"item": "<li>\n{{v}}\n</li>\n"})
    assert ours == theirs


@pytest.mark.parametrize("template, data, partials", [
    # A partial after a variable: whether it is indented depends on the value.
    ("{{pad}}{{> p}}|", {"pad": "  ", "v": 1}, {"p": "a\nb{{v}}\n"}),
    ("{{pad}}{{> p}}|", {"pad": "x ", "v": 1}, {"p": "a\nb{{v}}\n"}),
    # Nested indented partials add up their padding.
    ("  {{> outer}}\n", {"v": "V"}, {"outer": "o\n  {{> inner}}\nend", "inner": "i{{v}}\nj\n"}),
    # List items start a fresh output, other sections do not.
    ("{{#xs}}  {{> p}}{{/xs}}\n{{#one}}\n  {{> p}}{{/one}}", {"xs": [1, 2], "one": True},
     {"p": "[\n]"}),
    ("{{> missing}}x", {}, {}),
])
def test_partial_indentation_matches_chevron(template, data, partials):
    ours, theirs = render_both(template, data, partials)
    assert ours == theirs


def test_every_page_renders_as_chevron_would(server, make_user, befriend):
    """Record each context the app renders, then compare both renderers on it."""
    alice, bob = make_user("alice", "Alice <b>"), make_user("bob", "Bob & co")
    befriend(alice, bob)
    post = alice.post_json("/api/posts", {"body": "line one\n<i>two</i>", "visibility": "friends"})
    post_id = post.json()["id"]
    # Likes and comments put counts, comment rows and the viewer's comment box on cards.
    assert bob.post_json(f"/api/posts/{post_id}/like").status in (200, 201)
    for text in ("first <b>", "second", "third & last"):
        assert bob.post_json(f"/api/posts/{post_id}/comments", {"body": text}).status == 201
    make_user("carol").post_json("/api/friends/alice")
    views: Views = server.app.ctx.views
    seen = []
    original, original_utf8 = views.render, views.render_utf8

    def recording(name, context):
        seen.append((name, context))
        return original(name, context)

    def recording_utf8(name, context, cards=None):
        seen.append((name, context))
        return original_utf8(name, context, cards)

    views.render, views.render_utf8 = recording, recording_utf8
    for path in PAGES:
        alice.get(path)
    bob.get("/u/alice")
    server.client().get("/")
    views.render, views.render_utf8 = original, original_utf8
    assert {name for name, _ in seen} >= {"home", "profile", "friends", "people", "error"}
    cards = server.app.ctx.cards
    for name, context in seen:
        expected = views.render_with_chevron(name, context)
        assert views.render(name, context) == expected, name
        # What pages send: the same text as UTF-8, the cards kept encoded.
        assert views.render_utf8(name, context, cards) == expected.encode("utf-8"), name
