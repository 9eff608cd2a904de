"""The open-file cache behind StaticFiles: shared descriptors, rechecks, eviction."""

import functools
import os

import pytest

from reactor.filecache import OpenFileCache
from reactor.static import _describe, open_beneath


def make_cache(root, **kw) -> OpenFileCache:
    return OpenFileCache(functools.partial(open_beneath, str(root)), _describe, **kw)


def is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_cache_shares_one_descriptor_while_fresh(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    cache = make_cache(tmp_path, valid_seconds=60)
    first, second = cache.acquire("a.txt"), cache.acquire("a.txt")
    assert first is second and first.users == 2 and first.size == 3
    assert first.content_type.startswith("text/plain")
    first.release()
    second.release()
    assert is_open(first.fd)
    cache.clear()
    assert not is_open(first.fd)


def test_changed_file_is_reopened_and_old_descriptor_closed_by_its_last_user(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one")
    cache = make_cache(tmp_path, valid_seconds=0)
    old = cache.acquire("a.txt")
    path.write_text("three")
    os.utime(path, ns=(1, 1))
    new = cache.acquire("a.txt")
    assert new is not old and new.size == 5 and new.etag != old.etag
    assert is_open(old.fd)          # still in use by a response
    old.release()
    assert not is_open(old.fd)
    new.release()


def test_unchanged_file_keeps_its_entry_after_the_recheck(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    cache = make_cache(tmp_path, valid_seconds=0)
    first = cache.acquire("a.txt")
    second = cache.acquire("a.txt")
    assert first is second
    first.release()
    second.release()


def test_deleted_file_is_gone_after_the_recheck(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one")
    cache = make_cache(tmp_path, valid_seconds=0)
    entry = cache.acquire("a.txt")
    entry.release()
    path.unlink()
    assert cache.acquire("a.txt") is None
    assert not is_open(entry.fd)


@pytest.mark.parametrize("name", ["../x", "sub/../../x", "link", "dir", "missing", ""])
def test_cache_refuses_what_open_beneath_refuses(tmp_path, name):
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to("/etc/passwd")
    assert make_cache(tmp_path).acquire(name) is None


def test_cache_is_bounded(tmp_path):
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(str(i))
    cache = make_cache(tmp_path, max_entries=2)
    entries = [cache.acquire(f"{i}.txt") for i in range(5)]
    for entry in entries:
        entry.release()
    assert sum(is_open(e.fd) for e in entries) == 2
