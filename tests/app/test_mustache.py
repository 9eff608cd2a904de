"""The compiled renderer gives exactly what chevron gives, page by page."""

import pytest
from chevron.tokenizer import tokenize

from handlers.mustache import compile_tokens, render_compiled
from handlers.views import Views

PAGES = ["/", "/u/alice", "/u/bob", "/friends", "/people?q=a", "/people", "/chat", "/chat/bob",
         "/posts/1", "/no-such-page", "/login", "/signup"]


def render_both(template: str, data: dict, partials: dict | None = None):
    import chevron
    partials = partials or {}
    tokens = list(tokenize(template))
    compiled_partials = {k: compile_tokens(tokenize(v)) for k, v in partials.items()}
    ours = render_compiled(compile_tokens(tokens), [data], compiled_partials)
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
])
def test_compiled_render_matches_chevron(template, data):
    ours, theirs = render_both(template, data)
    assert ours == theirs


def test_indented_partials_match_chevron():
    ours, theirs = render_both("<ul>\n  {{> item}}\n  {{#xs}}\n    {{> item}}\n  {{/xs}}\n</ul>",
                               {"xs": [{"v": 1}, {"v": 2}], "v": 0},
                               {"item": "<li>\n{{v}}\n</li>\n"})
    assert ours == theirs


def test_every_page_renders_as_chevron_would(server, make_user, befriend):
    """Record each context the app renders, then compare both renderers on it."""
    alice, bob = make_user("alice", "Alice <b>"), make_user("bob", "Bob & co")
    befriend(alice, bob)
    alice.post_json("/api/posts", {"body": "line one\n<i>two</i>", "visibility": "friends"})
    make_user("carol").post_json("/api/friends/alice")
    views: Views = server.app.ctx.views
    seen = []
    original = views.render

    def recording(name, context):
        seen.append((name, context))
        return original(name, context)

    views.render = recording
    for path in PAGES:
        alice.get(path)
    bob.get("/u/alice")
    server.client().get("/")
    assert {name for name, _ in seen} >= {"home", "profile", "friends", "people", "error"}
    for name, context in seen:
        assert original(name, context) == views.render_with_chevron(name, context), name
