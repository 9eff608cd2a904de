"""`AppConfig`: every knob of the MiniFace application, with its default and why.

Server limits (sockets, timeouts, body size) live in `reactor.ServerConfig`; this
object holds what the social app itself decides: where data lives, how long a
session lasts, how hard password hashing is, how big a photo may be. The command
line maps flags and `MINIFACE_*` environment variables onto both.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import re
import time
from collections.abc import Callable
from pathlib import Path

# A session lasts two weeks from login: long enough that people stay logged in on
# their own devices, short enough that a forgotten browser does not stay in forever.
SESSION_TTL_SECONDS = 14 * 24 * 3600
# Login throttle, per (account, client address): an account locked for everyone
# let anyone lock its owner out, so failures slow down only the address making
# them. Five attempts within 15 minutes are free (OWASP suggests a small number per
# window); after that each attempt waits 30 s after the previous failure, doubling
# with each further failure, up to the 15 minutes after which failures are
# forgotten. A person who mistyped waits half a minute; a guesser from one address
# gets about ten guesses per account per quarter of an hour.
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
LOGIN_BACKOFF_BASE_SECONDS = 30
LOGIN_BACKOFF_MAX_SECONDS = 15 * 60
# Password hashing admission (handlers/admission.py). One argon2 hash at the real
# cost takes about 0.1 s of every core, and a person logs in once: one hash in
# flight per address, more is 429 with Retry-After: 1 (a double-clicked form's
# second submit retries; the browser dropped the first). Hashes share the CPU, so
# an address allowed two took two thirds of it from the owner's login (3x slower
# instead of 2x). Eight in flight for everyone together keeps the queue under a
# second on a 2-core machine; past it, 503 and retry.
HASHING_PER_CLIENT = 1
HASHING_IN_FLIGHT = 8
# Blocking work has pools of its own (reactor `add_pool`), so one kind queues
# behind its own kind only: a flood of logins never delays a photo, nor a burst
# of uploads a login. Four hashing threads: one address never holds them all (with
# as many threads as one address could fill, the owner's login queued behind a
# flood: 3.9 s); two upload threads re-encode two photos at once.
HASHING_POOL = "hashing"
UPLOADS_POOL = "uploads"
# PostgreSQL: requests run on the "database" pool (DB_THREADS threads, a connection
# each) and the live hub reads announced rows on "live" (one thread, so its
# presence state sees one thread).
DATABASE_POOL = "database"
LIVE_POOL = "live"
HASHING_WORKERS = 4
UPLOAD_WORKERS = 2
# Signups per client address: a household, a classroom or an office behind one
# address needs a few an hour; a script filling the hashing pool (or the users
# table) needs hundreds.
SIGNUPS_PER_ADDRESS = 20
SIGNUP_WINDOW_SECONDS = 3600
# Pending friend requests. Every list of them is a page, but the rows are still
# stored and counted: 500 unanswered requests from one person is a campaign, not a
# social life, and 1,000 waiting on one person is more than anyone will read.
# Past either, a new request is refused with 409 until some are answered.
MAX_PENDING_SENT = 500
MAX_PENDING_RECEIVED = 1000
# Friendships per person. Everything that reads a person's friends grows with them:
# the feed's friend set, the live hub's presence watch, the online box, the chat
# list, /api/friends. 5,000 is Facebook's own long-standing cap and far past the
# ~150 stable relationships people keep (Dunbar); past it, a new request or an
# acceptance that would pass it on either side is refused with 409 ("unfriend
# someone first"), and those lists stay bounded by it.
MAX_FRIENDS = 5000
# argon2 costs: passlib's own defaults (3 passes over 64 MiB, 4 lanes), about
# 0.1-0.3 s per hash on a laptop core. Tests lower them so suites stay fast.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST_KIB = 64 * 1024
ARGON2_PARALLELISM = 4
# Photos: 5 MiB is what API.md promises. 40 megapixels covers any phone camera
# (a 12 MP photo is 4032x3024) while keeping a decoded RGBA frame under 160 MiB;
# anything larger is treated as a decompression bomb.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
# An animation decodes every frame and holds them all while re-encoding (about
# 4 bytes a pixel), so the sum of frame pixels is capped too: 50 M keeps one upload
# near 200 MiB and a few seconds of a core (200 M took 850 MiB and 11 s), and
# still allows 300 frames of 480 x 270.
MAX_ANIMATION_PIXELS = 50_000_000
# Each frame of an animation is composited onto the whole canvas, so the canvas
# costs once per frame however small the frames are (a 3 KB GIF of 150 one-pixel
# frames on 6000 x 6000 took 16 s of a core). 4 M pixels is 2000 x 2000, twice a
# full-HD screen; animations that big are rare, photos are not animations.
MAX_ANIMATION_CANVAS_PIXELS = 4_000_000
# Text fields of a form: a post body is at most 5,000 characters (20 KB in UTF-8);
# 64 KiB per field and 64 fields leave room for any legitimate form.
MAX_FORM_FIELD_BYTES = 64 * 1024
MAX_FORM_FIELDS = 64
# PostgreSQL: requests run on a few threads with a connection each. Python runs one
# thread at a time, so more threads only help to overlap database round trips;
# 6 kept the home page's throughput flat from 4 to 8 (README, "PostgreSQL").
DB_THREADS = 6
# Request bodies, capped per route from the head, before the server reads a byte
# of the body or sends 100 Continue (handlers/body_limits.py); the server's own
# ceiling (16 MiB) is only the outer bound. A login or signup is a username, a
# name and a password, under 2 KB even fully %-encoded: 16 KiB. Other requests
# carry JSON (64 KiB cap, base.py) or a urlencoded form (256 KiB, forms.py): 256 KiB.
# Only a logged-in person's photo upload may be bigger: the photo plus 64 KiB for
# the post's text and the multipart framing.
MAX_AUTH_BODY_BYTES = 16 * 1024
MAX_REQUEST_BODY_BYTES = 256 * 1024
UPLOAD_FORM_OVERHEAD_BYTES = 64 * 1024
# Presence: `users.last_seen` is written at most this often per user, so a busy
# client does not turn every request into a write.
PRESENCE_TOUCH_SECONDS = 30
# Event streams: every message to a user costs loop time per stream they hold, so
# streams are capped. A browser opens at most 6 connections to a host over
# HTTP/1.1, so 8 per session is every tab of one browser plus a spare; 20 per user
# covers a few browsers, a phone and the terminal client. Past a cap the oldest
# stream of that session (or user) is closed: the newest tab always works, and
# streams a sleeping laptop left behind cannot lock their owner out.
MAX_STREAMS_PER_SESSION = 8
MAX_STREAMS_PER_USER = 20
# A node's name goes into a response header as is, so it is kept to a safe alphabet.
_NODE_NAME_RE = re.compile(r"[A-Za-z0-9._/-]{0,64}")


@functools.lru_cache(maxsize=16)
def proxy_networks(text: str) -> tuple:
    """The networks of a `trusted_proxies` setting: addresses or CIDR ranges,
    separated by commas or spaces. ValueError names a malformed entry."""
    networks = []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"trusted_proxies: not an address or network: {entry!r}") from None
    return tuple(networks)


@dataclasses.dataclass(frozen=True)
class AppConfig:
    """Settings for one MiniFace application. Sizes in bytes, times in seconds.

    `clock` returns the current unix time; every time the app stores or compares
    (sessions, throttle, post dates) comes from it, so a test can move time forward.
    """

    data_dir: Path = Path("data")
    uploads_dir: Path | None = None          # default: <data_dir>/uploads
    db_path: Path | None = None              # default: <data_dir>/miniface.db
    # postgresql://USER@HOST/DB: PostgreSQL instead of the sqlite file (needs the
    # extra miniface[postgres]); photos then live in the database too.
    database: str | None = None
    # Requests run on this many threads, each with its own PostgreSQL connection,
    # so the event loop never waits on the network (unused with sqlite).
    db_threads: int = DB_THREADS
    assets_dir: Path = Path(__file__).resolve().parent.parent / "assets"
    session_ttl: int = SESSION_TTL_SECONDS
    secure_cookies: bool = False             # set behind HTTPS so cookies carry Secure
    login_failure_limit: int = LOGIN_FAILURE_LIMIT
    login_failure_window: int = LOGIN_FAILURE_WINDOW_SECONDS
    login_backoff_base: int = LOGIN_BACKOFF_BASE_SECONDS
    login_backoff_max: int = LOGIN_BACKOFF_MAX_SECONDS
    hashing_per_client: int = HASHING_PER_CLIENT
    hashing_in_flight: int = HASHING_IN_FLIGHT
    hashing_workers: int = HASHING_WORKERS
    upload_workers: int = UPLOAD_WORKERS
    signups_per_address: int = SIGNUPS_PER_ADDRESS
    signup_window: int = SIGNUP_WINDOW_SECONDS
    max_pending_sent: int = MAX_PENDING_SENT
    max_pending_received: int = MAX_PENDING_RECEIVED
    max_friends: int = MAX_FRIENDS
    argon2_time_cost: int = ARGON2_TIME_COST
    argon2_memory_cost: int = ARGON2_MEMORY_COST_KIB
    argon2_parallelism: int = ARGON2_PARALLELISM
    max_image_bytes: int = MAX_IMAGE_BYTES
    max_image_pixels: int = MAX_IMAGE_PIXELS
    max_animation_pixels: int = MAX_ANIMATION_PIXELS
    max_animation_canvas_pixels: int = MAX_ANIMATION_CANVAS_PIXELS
    max_form_field_bytes: int = MAX_FORM_FIELD_BYTES
    max_form_fields: int = MAX_FORM_FIELDS
    presence_touch_interval: float = PRESENCE_TOUCH_SECONDS
    max_streams_per_session: int = MAX_STREAMS_PER_SESSION
    max_streams_per_user: int = MAX_STREAMS_PER_USER
    demo: bool = False                       # seed the demo people on start if empty
    node_name: str = ""                      # if set, sent as X-MiniFace-Node on responses
    # Load balancers whose X-Forwarded-For names the client ("10.0.0.5,10.0.1.0/24"):
    # behind them the per-address limits count each client, not the balancer.
    trusted_proxies: str = ""
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        # Frozen, so derived paths are filled in through object.__setattr__.
        data_dir = Path(self.data_dir)
        object.__setattr__(self, "data_dir", data_dir)
        if self.uploads_dir is None:
            object.__setattr__(self, "uploads_dir", data_dir / "uploads")
        if self.db_path is None:
            object.__setattr__(self, "db_path", data_dir / "miniface.db")
        if not _NODE_NAME_RE.fullmatch(self.node_name):
            raise ValueError("node_name may hold only letters, digits and . _ / - "
                             "(at most 64)")
        proxy_networks(self.trusted_proxies)  # ValueError for a malformed entry

    @property
    def database_target(self):
        """What `store.connect` opens: the PostgreSQL URL, or the sqlite file."""
        return self.database or self.db_path

    def now(self) -> int:
        """The current unix time in whole seconds, as stored in the database."""
        return int(self.clock())
