"""View models and the template set, without a server: what pages will show."""

import re
from pathlib import Path

import pytest

from handlers.pages import present
from handlers.views import Views

VIEWS_DIR = Path(__file__).resolve().parents[2] / "views"
NOW = 1_790_000_000  # a fixed "now" (2026-09-21) so relative times are exact


@pytest.fixture(scope="module")
def views():
    return Views(VIEWS_DIR)


def make_post(**overrides):
    post = {"id": 7, "author_id": 1, "author_username": "ada", "author_name": "Ada Lovelace",
            "body": "Hello", "visibility": "friends", "image_name": None,
            "created_at": NOW - 300}
    post.update(overrides)
    return post


def test_relative_time_reads_like_a_person_would_say_it():
    assert present.relative_time(NOW - 10, NOW) == "just now"
    assert present.relative_time(NOW - 5 * 60, NOW) == "5 min ago"
    assert present.relative_time(NOW - 2 * 3600 - 5, NOW) == "2 h ago"
    assert present.relative_time(NOW - 30 * 3600, NOW) == "yesterday"
    assert present.relative_time(NOW - 3 * 86400, NOW) == "3 days ago"
    assert present.relative_time(NOW - 40 * 86400, NOW) == "12 Aug"
    assert present.relative_time(NOW - 400 * 86400, NOW) == "17 Aug 2025"


def test_future_times_do_not_go_negative():
    assert present.relative_time(NOW + 100, NOW) == "just now"


def test_initials_take_first_and_last_word():
    assert present.initials("Ada Lovelace") == "AL"
    assert present.initials("ada king lovelace") == "AL"
    assert present.initials("Cher") == "C"
    assert present.initials("<b>", "zed") == "Z"


def test_avatar_colour_is_stable_and_case_insensitive():
    assert present.avatar_index("Alice") == present.avatar_index("alice")
    assert {present.avatar_index(f"user{i}") for i in range(100)} == set(range(8))


def test_user_view_sets_exactly_one_friendship_flag():
    view = present.user_view({"id": 2, "username": "bob", "name": "Bob B"},
                             friendship="request_received")
    flags = {k for k, v in view.items() if k.startswith("fs_") and v}
    assert flags == {"fs_received"}
    assert view["url"] == "/u/bob"


def test_post_view_gives_the_author_a_menu_and_others_none():
    mine = present.post_view(make_post(), viewer_id=1, now=NOW, image_url=str)
    theirs = present.post_view(make_post(), viewer_id=2, now=NOW, image_url=str)
    assert mine["is_mine"] and [o["value"] for o in mine["visibility_options"] if o["selected"]] \
        == ["friends"]
    assert not theirs["is_mine"] and theirs["visibility_options"] == []


def test_photo_alt_text_is_the_post_text_or_names_the_author():
    with_text = present.post_view(make_post(image_name="a.png"), viewer_id=None, now=NOW,
                                  image_url=lambda n: "/p/" + n)
    no_text = present.post_view(make_post(image_name="a.png", body=""), viewer_id=None,
                                now=NOW, image_url=lambda n: "/p/" + n)
    assert with_text["image_alt"] == "Hello" and with_text["image_url"] == "/p/a.png"
    assert no_text["image_alt"] == "Photo by Ada Lovelace"


def test_every_template_renders_with_an_empty_context(views):
    for name in views.names:
        assert isinstance(views.render(name, {}), str)


def test_unknown_template_is_an_error(views):
    with pytest.raises(KeyError):
        views.render("no_such_page", {})


def test_templates_never_use_unescaped_tags_or_inline_styles_or_scripts():
    for path in VIEWS_DIR.glob("*.mustache"):
        text = path.read_text()
        assert "{{{" not in text and "{{&" not in text, path.name
        assert not re.search(r"\sstyle=", text), path.name
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), path.name
        assert not re.search(r"\son[a-z]+=", text), path.name


def test_post_card_escapes_the_body_and_keeps_its_line_breaks(views):
    post = present.post_view(make_post(body='one\n<img src=x onerror="alert(1)">'),
                             viewer_id=None, now=NOW, image_url=str)
    html = views.render("post", {"post": post, "title": "Post"})
    assert 'one\n&lt;img src=x onerror=&quot;alert(1)&quot;&gt;' in html
    assert "<img src=x" not in html
    assert 'title="21 Sep 2026, 14:08 UTC"' in html


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colour_schemes(css: str) -> dict[str, dict[str, str]]:
    """The colour custom properties of each scheme: light from the first `:root`,
    dark as light overridden by the `prefers-color-scheme: dark` block."""
    def colours(block):
        return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-f]{6});", block))
    light = colours(css.split("}", 1)[0])
    dark_block = css.split("prefers-color-scheme: dark", 1)[1].split("}\n}", 1)[0]
    return {"light": light, "dark": {**light, **colours(dark_block)}}


def test_text_colours_meet_wcag_aa_contrast():
    css = (VIEWS_DIR.parent / "assets" / "style.css").read_text()
    pairs = [("text", "bg"), ("muted", "surface"), ("muted", "bg"), ("accent", "surface"),
             ("accent", "accent-soft"), ("danger", "danger-soft"), ("ok", "ok-soft"),
             ("muted", "surface-2"), ("text", "bubble"), ("badge-text", "badge-bg")]
    for scheme, var in colour_schemes(css).items():
        for fg, bg in pairs:
            assert contrast(var[fg], var[bg]) >= 4.5, (scheme, fg, bg)
        for button in ("accent", "accent2", "danger"):
            assert contrast(var["accent-text"], var[button]) >= 4.5, (scheme, button)
    avatars = re.findall(r"\.avatar--c\d \{ background: (#[0-9a-f]{6}); \}", css)
    assert len(avatars) == present.AVATAR_COLOURS
    for colour in avatars:
        assert contrast("#ffffff", colour) >= 4.5, colour
