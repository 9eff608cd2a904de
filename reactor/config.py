"""Every limit and timeout of the server, with its default and where it comes from.

A `ServerConfig` is frozen: build one, pass it to `Server`, and every connection
reads the same values. The app's command line maps flags and `MINIFACE_*`
environment variables onto these fields (see the README's configuration table).
"""

from __future__ import annotations

import dataclasses

# Request line: 8 KiB is the common floor of nginx (`large_client_header_buffers`),
# Apache (`LimitRequestLine`) and gunicorn (`limit_request_line`); longer gets 414.
MAX_REQUEST_LINE_BYTES = 8 * 1024
# Whole head (request line + fields): Apache and nginx both allow about 8-32 KiB;
# h11 uses 16 KiB. Beyond 32 KiB, or 100 fields (gunicorn's default), we answer 431.
MAX_HEAD_BYTES = 32 * 1024
MAX_HEADER_COUNT = 100
# Bodies up to 1 MiB stay in memory; larger ones spill to a temporary file, so an
# upload never costs more than this much RAM per connection.
BODY_SPILL_BYTES = 1024 * 1024
# Default ceiling on a request body (413 above it, answered before the body is read).
MAX_BODY_BYTES = 16 * 1024 * 1024
# Chunked framing: a chunk-size line with extensions, and trailers, get their own caps
# so neither can be used to make the server buffer without bound.
MAX_CHUNK_LINE_BYTES = 4 * 1024
MAX_TRAILER_BYTES = 16 * 1024

# The whole head must arrive within this many seconds of its first byte; the deadline
# is not pushed back by each trickled byte, which is what defeats slowloris.
HEAD_TIMEOUT_SECONDS = 10.0
# A body must keep arriving: every BODY_TIMEOUT_SECONDS window must bring at least
# BODY_TIMEOUT_SECONDS * BODY_MIN_RATE_BYTES_PER_SECOND bytes (15 KiB), or the rest
# of the body, else 408. The window is not restarted by each byte, so a client
# trickling a byte every few seconds is cut off after one window instead of holding
# its buffer and descriptor forever. 1 KiB/s is twice Apache mod_reqtimeout's
# MinRate and far below any real upload, even over a poor mobile link.
BODY_TIMEOUT_SECONDS = 15.0
BODY_MIN_RATE_BYTES_PER_SECOND = 1024
# All request bodies being received at once, in memory and spilled to disk: past
# this, a new body is refused with 503 and Retry-After (at its head when its
# Content-Length does not fit, else when a chunk would overflow it). 64 MiB is a
# dozen full-size photo uploads at once, and keeps a flood of bodies from growing
# the process by hundreds of MB.
MAX_BODY_BYTES_IN_FLIGHT = 64 * 1024 * 1024
BODY_BUDGET_RETRY_AFTER_SECONDS = 5
# Idle keep-alive connections close after 5 s, as in uvicorn's `timeout_keep_alive`.
KEEPALIVE_TIMEOUT_SECONDS = 5.0
# A client must keep reading: every WRITE_TIMEOUT_SECONDS window must drain at least
# WRITE_TIMEOUT_SECONDS * SEND_MIN_RATE_BYTES_PER_SECOND bytes (30 KiB) of its
# output, or all of it, else it is dropped. Not restarted by each byte read, so a
# client reading a few bytes at a time cannot hold a large response (its memory,
# or a file descriptor) forever.
WRITE_TIMEOUT_SECONDS = 30.0
SEND_MIN_RATE_BYTES_PER_SECOND = 1024
# Stop reading from a connection while more than this much output is unsent (files
# queued for sendfile count too): a peer that pipelines requests but never reads
# the answers cannot grow our memory, hold many files open or keep the loop busy.
OUTPUT_HIGH_WATER_BYTES = 256 * 1024
# Most connections served at once; accepting pauses at the cap.
MAX_CONNECTIONS = 20_000
# SIGINT/SIGTERM: in-flight responses get this long to finish before we close them.
SHUTDOWN_GRACE_SECONDS = 5.0
# Threads for `server.defer()`: blocking work (password hashing, image decoding).
POOL_WORKERS = 4
# Listen backlog; 1024 absorbs `ab -c` bursts without SYN retries.
LISTEN_BACKLOG = 1024
# Seconds between heartbeat comments on Server-Sent Event streams (browsers and
# proxies drop silent streams; 15 s is what the API promises as an upper bound).
STREAM_HEARTBEAT_SECONDS = 15.0


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """Settings for one `Server`. All sizes are bytes, all times seconds."""

    host: str = "127.0.0.1"
    port: int = 8080
    backlog: int = LISTEN_BACKLOG
    reuse_port: bool = False
    max_request_line_bytes: int = MAX_REQUEST_LINE_BYTES
    max_head_bytes: int = MAX_HEAD_BYTES
    max_header_count: int = MAX_HEADER_COUNT
    max_body_bytes: int = MAX_BODY_BYTES
    body_spill_bytes: int = BODY_SPILL_BYTES
    head_timeout: float = HEAD_TIMEOUT_SECONDS
    body_timeout: float = BODY_TIMEOUT_SECONDS
    body_min_rate: int = BODY_MIN_RATE_BYTES_PER_SECOND
    max_body_bytes_in_flight: int = MAX_BODY_BYTES_IN_FLIGHT
    keepalive_timeout: float = KEEPALIVE_TIMEOUT_SECONDS
    write_timeout: float = WRITE_TIMEOUT_SECONDS
    send_min_rate: int = SEND_MIN_RATE_BYTES_PER_SECOND
    output_high_water: int = OUTPUT_HIGH_WATER_BYTES
    max_connections: int = MAX_CONNECTIONS
    shutdown_grace: float = SHUTDOWN_GRACE_SECONDS
    pool_workers: int = POOL_WORKERS
    stream_heartbeat: float = STREAM_HEARTBEAT_SECONDS
    access_log: bool = True
    server_header: str = "MiniFace"
