"""`Server`: the listening socket, its channels and the loop, tied together.

The server accepts sockets, gives each a `Channel` (socket I/O) and through it a
`Connection` (the protocol), and owns what is shared: the loop, the thread pool,
the application, shutdown. Connections see only their config, the application
and the channel's "output ready" callback; the server hands them an application
whose futures complete on the loop thread (see `reactor.pool`).

Timeouts are checked by one sweep timer a few times a second rather than a timer
per connection: a request moves its deadline several times, and re-pushing heap
entries on every request would cost more than scanning the connections.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import selectors
import signal
import socket
import threading
import time
from concurrent.futures import Future

from .budgets import BodyBudget
from .channel import Channel, receive_buffer
from .config import ServerConfig
from .loop import Loop
from .pool import AppOnLoop, WorkerPools, then

__all__ = ["Server"]

log = logging.getLogger("reactor.server")

EVENT_READ = selectors.EVENT_READ
# accept() errors that mean "out of descriptors or memory": pause accepting
# instead of spinning on a listening socket that stays readable.
_RESOURCE_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
ACCEPT_PAUSE_SECONDS = 0.5
# After a response that ends the connection, keep reading (and discarding) for a
# moment before closing: closing with unread input makes the kernel send RST, which
# can destroy the response before the client reads it (a "lingering close"). Not
# after a request that asked to close and had nothing after it (Connection.needs_linger).
LINGER_SECONDS = 2.0


def _ignore() -> None:
    pass


class Server:
    """An HTTP/1.1 server for `app` (any object with `handle(request)`, or a
    function of the request).

    Use `serve_forever()` in the main thread (SIGINT/SIGTERM stop it gracefully),
    or `start()` to run the loop on a background thread and `stop()` to end it.
    Pass `port=0` to let the system pick a free port; `server.port` is the real one.

    An application that needs the server (to `defer` work, to schedule timers)
    defines `on_start(server)`: it is called once, on the thread that calls
    `start()` or `serve_forever()`, before the first request.
    """

    def __init__(self, app, config: ServerConfig | None = None, **overrides):
        config = config or ServerConfig()
        if overrides:
            config = dataclasses.replace(config, **overrides)
        self.config = config
        self.app = app
        self.loop = Loop()
        self._app_on_loop = AppOnLoop(app, self.loop)
        # Request-body bytes all connections hold at once (reactor/budgets.py).
        self.body_budget = BodyBudget(config.max_body_bytes_in_flight)
        self.recv_view = receive_buffer()  # shared by this loop's channels (channel.py)
        self.shutting_down = False
        self._channels: dict[int, Channel] = {}
        self._listener: socket.socket | None = None
        self._port: int | None = None
        self._accepting = False
        self._pools = WorkerPools(config.pool_workers)
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stopped = threading.Event()
        self._shutdown_deadline = 0.0

    # -- public API ------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (the real one after binding port 0)."""
        return self.config.port if self._port is None else self._port

    @property
    def connection_count(self) -> int:
        return len(self._channels)

    @property
    def open_streams(self) -> int:
        """Connections carrying an event stream now."""
        # list() copies the values in one step, so another thread may ask.
        return sum(1 for channel in list(self._channels.values()) if channel.conn.is_streaming)

    def bind(self) -> None:
        """Create the listening socket now (done by `start`/`serve_forever` if needed)."""
        if self._listener is not None:
            return
        _raise_fd_limit()
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if self.config.reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((self.config.host, self.config.port))
            sock.listen(self.config.backlog)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._listener = sock
        self._port = sock.getsockname()[1]

    def start(self) -> Server:
        """Bind, then run the loop on a daemon thread; returns once listening."""
        self.bind()
        self._start_app()
        self._thread = threading.Thread(target=self._run, name="reactor-loop", daemon=True)
        self._thread.start()
        self._started.wait()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop accepting, let in-flight responses finish (up to `timeout`
        seconds, default `shutdown_grace`), close the rest, and wait."""
        if self._stopped.is_set():
            return
        self.loop.call_soon_threadsafe(self._begin_shutdown, timeout)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def serve_forever(self, *, install_signal_handlers: bool = True) -> None:
        """Serve until SIGINT/SIGTERM (or `stop()` from another thread)."""
        self.bind()
        self._start_app()
        previous = {}
        if install_signal_handlers and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            self._run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def defer(self, fn, *args, pool: str | None = None, **kwargs) -> Future:
        """Run blocking `fn(*args, **kwargs)` on a thread pool; returns its future.

        `pool` names a pool made with `add_pool` (default: the server's own, of
        `pool_workers` threads). A handler may return the future (or one from
        `then`): the connection answers with its result, a `Response`, when it
        completes, and the loop serves other connections meanwhile. If the client
        goes away first, the future is cancelled: queued work never runs.
        """
        return self._pools.submit(pool, fn, *args, **kwargs)

    def add_pool(self, name: str, workers: int) -> None:
        """A pool of its own for one kind of blocking work (`defer(..., pool=name)`),
        so that kind queues behind itself only: logins do not wait behind photo
        checks, nor photos behind a flood of logins. Call it before serving (an
        application's `on_start` is the place); ValueError if `name` exists."""
        self._pools.add(name, workers)

    def then(self, future: Future, fn, *, on_error=None) -> Future:
        """A future of `fn(result)`, with `fn` run on the loop thread.

        Use it to continue on the loop (which owns the database, say) after
        blocking work: `return server.then(server.defer(hash, pw), finish)`. A
        future that `fn` returns is flattened into the result. If `future` fails,
        or `fn` raises, the returned future carries the exception, unless
        `on_error(exc)` is given: then its return value stands in (see
        `reactor.pool.then`). An `HTTPError` that reaches the connection still
        becomes its response. The loop must be running for the future to complete.
        """
        return then(self.loop, future, fn, on_error=on_error)

    def call_soon_threadsafe(self, fn, *args) -> None:
        """Run `fn(*args)` on the loop thread, from any thread."""
        self.loop.call_soon_threadsafe(fn, *args)

    def call_later(self, delay: float, fn, *args):
        """Run `fn(*args)` on the loop thread after `delay` seconds (loop thread only)."""
        return self.loop.call_later(delay, fn, *args)

    # -- the loop ----------------------------------------------------------------

    def _start_app(self) -> None:
        on_start = getattr(self.app, "on_start", None)
        if on_start is not None:
            on_start(self)

    def _run(self) -> None:
        self.loop.thread_id = threading.get_ident()
        self._set_accepting(True)
        self.loop.call_later(self._sweep_interval(), self._sweep)
        log.info("listening on http://%s:%d", self.config.host, self.port)
        self._started.set()
        try:
            self.loop.run()
        finally:
            for channel in list(self._channels.values()):
                channel.conn.close()
                self._close_channel(channel)
            self._close_listener()
            self._pools.shutdown()
            self.loop.close()
            self._stopped.set()

    def _sweep_interval(self) -> float:
        c = self.config
        shortest = min(c.head_timeout, c.body_timeout, c.keepalive_timeout, c.write_timeout,
                       c.stream_heartbeat)
        return max(0.02, min(0.5, shortest / 4))

    def _sweep(self) -> None:
        """Enforce deadlines and send stream heartbeats."""
        # Rescheduled first, and each channel checked in its own `try`: one failing
        # connection must not end timeouts and heartbeats for all the others.
        self.loop.call_later(self._sweep_interval(), self._sweep)
        now = time.monotonic()
        for channel in list(self._channels.values()):
            try:
                self._sweep_channel(channel, now)
            except Exception:
                log.exception("error checking a connection from %s; closing it",
                              channel.conn.remote_addr)
                channel.conn.close()
                self._close_channel(channel)

    def _sweep_channel(self, channel: Channel, now: float) -> None:
        if channel.linger_deadline is not None:
            if now >= channel.linger_deadline:
                self._close_channel(channel)
            return
        conn = channel.conn
        deadline = conn.deadline
        if deadline is not None and now >= deadline:
            conn.on_timeout(now)
        else:
            conn.heartbeat(now)
        if conn.output:
            channel.flush()
        channel.update()

    def _set_accepting(self, enabled: bool) -> None:
        if enabled == self._accepting or self._listener is None:
            return
        if enabled:
            self.loop.selector.register(self._listener, EVENT_READ, self._on_accept)
        else:
            self.loop.selector.unregister(self._listener)
        self._accepting = enabled

    def _on_accept(self, mask) -> None:
        for _ in range(128):
            try:
                sock, addr = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _RESOURCE_ERRNOS:
                    log.warning("accept paused for %.1fs: %s", ACCEPT_PAUSE_SECONDS, exc)
                    self._set_accepting(False)
                    self.loop.call_later(ACCEPT_PAUSE_SECONDS, self._resume_accepting)
                    return
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                raise
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass  # not TCP (a Unix socket in a test, say); nothing to tune
            channel = Channel(self, sock, addr, self._app_on_loop)
            self._channels[id(channel)] = channel
            channel.update()
            if len(self._channels) >= self.config.max_connections:
                self._set_accepting(False)
                return

    def _close_listener(self) -> None:
        # Closed, not just unregistered: new clients are refused at once (or, with
        # SO_REUSEPORT, go to another process) instead of waiting in the backlog.
        self._set_accepting(False)
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _resume_accepting(self) -> None:
        if not self.shutting_down and len(self._channels) < self.config.max_connections:
            self._set_accepting(True)

    def _finish(self, channel: Channel, graceful: bool) -> None:
        if not graceful or not channel.conn.needs_linger:
            self._close_channel(channel)
            return
        # Lingering close: send FIN, drain what the peer still sends, then close.
        try:
            channel.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close_channel(channel)
            return
        selector = self.loop.selector
        if channel.mask:
            selector.modify(channel.sock, EVENT_READ, channel.on_linger)
        else:
            selector.register(channel.sock, EVENT_READ, channel.on_linger)
        channel.mask = EVENT_READ
        channel.linger_deadline = time.monotonic() + LINGER_SECONDS
        channel.conn.close()

    def _close_channel(self, channel: Channel) -> None:
        if self._channels.pop(id(channel), None) is None:
            return
        channel.open = False
        # The connection's callback is the channel's: drop it, so both are freed
        # now instead of by the cycle collector.
        channel.conn.on_output = _ignore
        if channel.mask:
            try:
                self.loop.selector.unregister(channel.sock)
            except (KeyError, ValueError):
                pass  # already gone with its socket
        channel.mask = 0
        channel.sock.close()
        if (not self._accepting and not self.shutting_down
                and len(self._channels) < self.config.max_connections):
            self._set_accepting(True)
        if self.shutting_down and not self._active_channels():
            self.loop.stop()

    # -- shutdown ----------------------------------------------------------------

    def _on_signal(self, signum, frame) -> None:
        # Only queue the work and wake the loop: a signal handler must not do I/O.
        self.loop.call_soon_threadsafe(self._begin_shutdown, None)
        self.loop.wake()

    def _begin_shutdown(self, grace: float | None) -> None:
        if not self.shutting_down:
            # Close the listener before raising the flag: whoever sees the flag
            # can rely on new connections being refused.
            self._close_listener()
            self.shutting_down = True
            log.info("shutting down: %d connections open", len(self._channels))
            for channel in list(self._channels.values()):
                if channel.linger_deadline is None:
                    channel.conn.on_shutdown()
                    channel.update()
        grace = self.config.shutdown_grace if grace is None else grace
        self._shutdown_deadline = time.monotonic() + grace
        self._check_shutdown()

    def _active_channels(self) -> list[Channel]:
        return [c for c in self._channels.values() if c.linger_deadline is None]

    def _check_shutdown(self) -> None:
        if not self._active_channels() or time.monotonic() >= self._shutdown_deadline:
            self.loop.stop()
        else:
            self.loop.call_later(0.02, self._check_shutdown)


def _raise_fd_limit() -> None:
    """Raise the soft RLIMIT_NOFILE to the hard limit: each client costs one fd."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY:
            hard = 1 << 20
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError) as exc:
        log.debug("could not raise the file descriptor limit: %s", exc)
