"""Where photo and avatar bytes live: one small interface, two arrangements.

    media = Media(db, uploads_dir)
    media.put(name, data)          # store the bytes of a new image
    media.local_path(name)         # a file on this node to sendfile (fetched if missing)
    media.delete(name)             # gone everywhere
    media.forget(name)             # drop this node's copy only

Every picture MiniFace keeps goes through here (handlers/uploads.py's
`store_image`, `image_path` and `delete_image` call it), so the rest of the app
never asks where the bytes are.

- **PostgreSQL** (several nodes, one database): the bytes are a row of the
  `media` table (bytea), written before the post or avatar that names them, so
  a node never sees a row pointing at a photo it cannot get. Each node's uploads
  directory is a read-through cache: a node that has no file for a name reads
  the row once, writes the file, and from then on serves it with `sendfile` like
  any other file. Names are random and never reused, so a cached file is never
  stale; a deleted image is refused by the visibility check (its post or avatar
  row is gone) before any file is looked at, and the deletion is announced
  (NOTIFY miniface_media with the name) so every node drops its cached copy.
- **sqlite** (one machine): files only. The data directory is already shared by
  every worker of the machine, so a copy in the database would only double the
  bytes written per upload and grow the database file and its WAL by every photo.

A `Media` is found from its uploads directory (`media_for`), so code that holds
only `config.uploads_dir` (as `store_image` callers do) reaches the right one:
`create_app` registers the app's `Media` and `Application.close` removes it.
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.parse
from pathlib import Path

from .store import media as media_store
from .store import times
from .store.db import MEDIA_CHANNEL

__all__ = ["COPIED_MARKER_SUFFIX", "Media", "media_for", "register", "unregister"]

log = logging.getLogger(__name__)

# Written beside an uploads directory ("uploads.in-media-table" next to "uploads")
# once its photos from before migration 005 are all in the database
# (`Media.copy_local_files`), so later starts skip the scan.
COPIED_MARKER_SUFFIX = ".in-media-table"
# One batch of `copy_local_files`: at most this many files and bytes in memory and
# in one statement.
COPY_BATCH_FILES = 100
COPY_BATCH_BYTES = 32 * 1024 * 1024

_registry: dict[str, Media] = {}
_registry_lock = threading.Lock()


class Media:
    """Image bytes in `directory`, backed by `db` when it is shared (PostgreSQL)."""

    def __init__(self, db, directory, *, in_database: bool | None = None) -> None:
        self.db = db
        self.directory = Path(directory)
        if in_database is None:
            in_database = db is not None and getattr(db, "dialect", "sqlite") != "sqlite"
        self.in_database = in_database

    def put(self, name: str, data: bytes) -> None:
        """Store a new image: the database row first (when shared), then this node's
        file. Blocks (disk and network): call it off the loop."""
        from .uploads import write_file  # uploads imports this module

        if self.in_database:
            media_store.put_blob(self.db, name=name, data=data, now=times.now())
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            write_file(self.directory / name, data)
        except BaseException:
            if self.in_database:
                media_store.delete_blob(self.db, name=name)
            raise

    def local_path(self, name: str) -> Path:
        """This node's file for `name`, fetched from the database first when this
        node has none. The path may not exist (no such image anywhere)."""
        from .uploads import write_file

        path = self.directory / name
        if self.in_database and not path.exists():
            data = media_store.get_blob(self.db, name=name)
            if data is not None:
                self.directory.mkdir(parents=True, exist_ok=True)
                write_file(path, data)
                log.debug("fetched %s from the database into this node's cache", name)
        return path

    def delete(self, name: str) -> None:
        """Remove the image everywhere: its row, this node's file, and (announced)
        the other nodes' cached copies."""
        if self.in_database:
            media_store.delete_blob(self.db, name=name)
            self.db.notify(MEDIA_CHANNEL, name)
        self.forget(name)

    @property
    def copied_marker(self) -> Path:
        """The file whose presence says `copy_local_files` has completed here."""
        return self.directory.with_name(self.directory.name + COPIED_MARKER_SUFFIX)

    def copy_local_files(self) -> int:
        """Copy into the database the photos this node holds only as files: those
        stored before migration 005, when a PostgreSQL node kept photos on its own
        disk and no other node could serve them. Returns how many were copied.

        Run on every start with PostgreSQL (`create_app`, `miniface init-db`), after
        the migrations: each node's directory holds the photos uploaded through
        that node, so each node copies its own. Only files a post names and the
        table lacks are read; batches of COPY_BATCH_FILES files (at most
        COPY_BATCH_BYTES) each go in one statement that skips names already there,
        so a node that stops half way, or two workers starting together, copy
        nothing twice. Once a pass completes, a marker file beside the directory makes
        later starts skip the scan: from 005 on every photo reaches the database
        before its post, so nothing new can need it. The marker names the database
        (its URL without the password), so pointing the directory at another one
        scans again. Nothing to do with sqlite (its files are the only copy)."""
        marker = self.copied_marker
        if not self.in_database or not self.directory.is_dir():
            return 0
        database = _database_key(self.db)
        if marker.is_file() and marker.read_text(encoding="utf-8").strip() == database:
            return 0
        from .uploads import is_image_name

        names = sorted(entry.name for entry in os.scandir(self.directory)
                       if entry.is_file() and is_image_name(entry.name))
        copied = 0
        for start in range(0, len(names), COPY_BATCH_FILES):
            missing = media_store.referenced_but_missing(
                self.db, names=names[start:start + COPY_BATCH_FILES])
            batch, size = [], 0
            for name in missing:
                try:
                    data = (self.directory / name).read_bytes()
                except FileNotFoundError:  # deleted meanwhile (its post too, then)
                    continue
                if batch and size + len(data) > COPY_BATCH_BYTES:
                    media_store.put_blobs_if_missing(self.db, batch)
                    batch, size = [], 0
                batch.append({"name": name, "data": data, "now": times.now()})
                size += len(data)
            if batch:
                media_store.put_blobs_if_missing(self.db, batch)
            copied += len(missing)
        marker.write_text(database + "\n", encoding="utf-8")
        if copied:
            log.info("copied %d photo(s) from %s into the database", copied, self.directory)
        return copied

    def forget(self, name: str) -> None:
        """Drop this node's copy only (another node deleted the image)."""
        (self.directory / name).unlink(missing_ok=True)

    def forget_announced(self, name: str) -> None:
        """`forget` for a name heard on MEDIA_CHANNEL, if it is one of ours."""
        from .uploads import is_image_name

        if is_image_name(name):
            self.forget(name)


def _database_key(db) -> str:
    """The database `db` talks to, as a URL without its password."""
    parts = urllib.parse.urlsplit(str(getattr(db, "url", "")))
    netloc = parts.netloc.rpartition("@")
    credentials = netloc[0].split(":")[0]
    host = f"{credentials}@{netloc[2]}" if netloc[1] else netloc[2]
    query = urllib.parse.urlencode([(key, value) for key, value
                                    in urllib.parse.parse_qsl(parts.query)
                                    if key != "password"])
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, query, ""))


def _key(directory) -> str:
    return str(Path(directory).resolve())


def register(media: Media) -> None:
    """Make `media` the one `media_for(media.directory)` returns."""
    with _registry_lock:
        _registry[_key(media.directory)] = media


def unregister(media: Media) -> None:
    with _registry_lock:
        if _registry.get(_key(media.directory)) is media:
            del _registry[_key(media.directory)]


def media_for(directory, db=None) -> Media:
    """The registered `Media` of `directory`, else a new one over `db` (files only
    when `db` is None or sqlite)."""
    with _registry_lock:
        found = _registry.get(_key(directory))
    return found if found is not None else Media(db, directory)
