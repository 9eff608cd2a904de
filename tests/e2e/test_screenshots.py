"""The README's screenshots exist for every page listed in screenshots.SHOTS.

Taking them needs the demo site and Chromium (`make screenshots`, about 15 s); this
test only checks that the files are there, are PNGs of the right width, and that the
README shows each one, so a page added to SHOTS without a picture fails the suite.
"""

from __future__ import annotations

import struct

import pytest
from screenshots import OUT_DIR, ROOT, SHOTS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("name,logged_in,path,viewport,scheme", SHOTS, ids=[s[0] for s in SHOTS])
def test_every_listed_page_has_a_screenshot(name, logged_in, path, viewport, scheme):
    shot = OUT_DIR / f"{name}.png"
    assert shot.is_file(), f"{shot.relative_to(ROOT)} is missing: run `make screenshots`"
    assert png_size(shot)[0] == viewport["width"]


def test_readme_shows_every_screenshot():
    readme = (ROOT / "README.md").read_text()
    for name, *_ in SHOTS:
        image = f"docs/screenshots/{name}.png"
        assert f"]({image})" in readme or f'src="{image}"' in readme, name
