"""`Supervisor`: run N worker processes on one port and keep them running.

Theory of operation
-------------------
`miniface serve --workers N` makes the process that was started a supervisor
(the shape of gunicorn's `arbiter.py`), and it serves no request itself:

1. Before forking it prepares what every worker shares (the schema, the demo
   people; in a short-lived child of its own, so the supervisor itself never
   opens the database or starts a driver's threads) and reserves the port: a socket bound with SO_REUSEPORT that never
   listens. Binding port 0 that way picks the real port once, for everyone; and
   while a worker is being replaced the port stays ours. A socket that does not
   listen takes no connections, so the kernel spreads them over the workers'
   listeners only.
2. It forks N workers. Each opens its own database connection, builds its own
   app and loop, and listens on the shared port with SO_REUSEPORT: the kernel
   hashes every new connection to one listener, so there is no shared accept
   lock and no thundering herd. A worker checks every second that its parent is
   still the supervisor and stops gracefully if it is not (an orphan would
   otherwise keep serving a port nobody manages).
3. Signal handlers only queue: `signal.set_wakeup_fd` writes each signal's number
   to a pipe that the supervisor's loop waits on. SIGCHLD: reap, log how the
   worker ended and start a new one in its slot (after a pause if the last one
   lived under a second, so a crashing worker cannot become a fork storm).
   SIGTERM or SIGINT: send SIGTERM to every worker, which stops accepting and
   lets in-flight responses finish (`reactor.Server`'s graceful shutdown); wait
   up to the grace period plus a margin, SIGKILL whoever is left, and return.
4. A worker that cannot boot (the port is taken, the database will not open)
   exits with BOOT_ERROR_EXIT; restarting it would fail the same way, so the
   supervisor stops all workers and returns that status.

Connections still in a listener's backlog when its worker dies are reset by the
kernel (SO_REUSEPORT queues are per socket); clients see that as a failed
connect and retry, as they would for any restart.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import signal
import socket
import time
from collections.abc import Callable

__all__ = ["BOOT_ERROR_EXIT", "Supervisor", "reserve_port", "run_in_child",
           "stop_when_orphaned"]

log = logging.getLogger(__name__)

# gunicorn's WORKER_BOOT_ERROR: a worker that exits with it is not restarted.
BOOT_ERROR_EXIT = 3
# Beyond the workers' own grace, time for them to close and exit once their last
# response is out (interpreter teardown, closing the database).
EXIT_MARGIN_SECONDS = 5.0
# A worker that lived less than this is restarted only after RESPAWN_PAUSE_SECONDS.
SHORT_LIFE_SECONDS = 1.0
RESPAWN_PAUSE_SECONDS = 1.0
# How often a worker checks that its parent is still the supervisor.
ORPHAN_CHECK_SECONDS = 1.0
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_HANDLED_SIGNALS = (signal.SIGCHLD, *_STOP_SIGNALS)


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) with SO_REUSEPORT that does not listen: it
    fixes the port (port 0 picks one) for the workers' listeners to share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def run_in_child(fn: Callable[[], object]) -> int:
    """Run `fn()` in a forked child and return its exit status (0: it returned).

    The supervisor prepares the database this way, so it never holds a database
    connection or a driver's threads of its own when it forks the workers."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 1
        try:
            fn()
            status = 0
        except BaseException:
            log.exception("preparing the workers failed")
        finally:
            logging.shutdown()
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def stop_when_orphaned(server, parent_pid: int) -> None:
    """In a worker: stop `server` gracefully once the supervisor is gone (the
    worker is then re-parented, so `os.getppid()` changes). Runs on its loop."""
    if os.getppid() != parent_pid:
        log.warning("worker %d: the supervisor is gone; stopping", os.getpid())
        server.stop()
        return
    server.call_later(ORPHAN_CHECK_SECONDS, stop_when_orphaned, server, parent_pid)


class _Slot:
    """One place for a worker: its number (1..N, kept across replacements) and
    the process currently in it."""

    def __init__(self, number: int):
        self.number = number
        self.pid = 0
        self.started_at = 0.0
        self.not_before = 0.0       # monotonic time before which not to respawn


class Supervisor:
    """Fork `count` workers that each run `run_worker(number)` and keep them running.

    `run_worker` runs in the child and returns its exit status (raising counts as
    status 1); it must serve until SIGTERM and then stop gracefully. `grace` is
    how long in-flight responses may take once a stop begins.
    """

    def __init__(self, count: int, run_worker: Callable[[int], int], *, grace: float,
                 keep_open: tuple[socket.socket, ...] = ()):
        if count < 1:
            raise ValueError("at least one worker is needed")
        self.slots = [_Slot(number) for number in range(1, count + 1)]
        self.run_worker = run_worker
        self.grace = grace
        self._keep_open = keep_open          # closed in the children
        self._stopping = False
        self._exit_status = 0
        self._wake_r = self._wake_w = -1

    # -- the supervisor's loop ---------------------------------------------------

    def run(self) -> int:
        """Start the workers and supervise them until SIGTERM/SIGINT; the exit status."""
        previous = self._install_signals()
        try:
            log.info("supervisor %d: starting %d workers", os.getpid(), len(self.slots))
            for slot in self.slots:
                self._spawn(slot)
            while not self._stopping:
                for signum in self._wait_for_signals(timeout=1.0):
                    if signum in _STOP_SIGNALS:
                        log.info("supervisor: %s, stopping the workers gracefully",
                                 signal.Signals(signum).name)
                        self._stopping = True
                self._reap()
                if not self._stopping:
                    self._fill_slots()
            self._stop_workers()
        finally:
            self._restore_signals(previous)
        return self._exit_status

    def _fill_slots(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if not slot.pid and now >= slot.not_before:
                self._spawn(slot)

    def _stop_workers(self) -> None:
        self._signal_workers(signal.SIGTERM)
        deadline = time.monotonic() + self.grace + EXIT_MARGIN_SECONDS
        while self._live_slots() and time.monotonic() < deadline:
            self._wait_for_signals(timeout=0.1)
            self._reap()
        if self._live_slots():
            log.warning("supervisor: %d workers still running after %.0f s; killing them",
                        len(self._live_slots()), self.grace + EXIT_MARGIN_SECONDS)
            self._signal_workers(signal.SIGKILL)
            while self._live_slots():
                self._wait_for_signals(timeout=0.1)
                self._reap()
        log.info("supervisor: all workers stopped")

    def _live_slots(self) -> list[_Slot]:
        return [slot for slot in self.slots if slot.pid]

    def _signal_workers(self, signum: int) -> None:
        for slot in self._live_slots():
            try:
                os.kill(slot.pid, signum)
            except ProcessLookupError:
                pass  # it exited on its own; the next reap collects it

    # -- children ------------------------------------------------------------------

    def _spawn(self, slot: _Slot) -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            os._exit(self._child_main(slot.number))
        slot.pid, slot.started_at = pid, time.monotonic()
        log.info("worker %d (pid %d) started", slot.number, pid)

    def _child_main(self, number: int) -> int:
        status = 1
        try:
            self._forget_parent_state()
            status = self.run_worker(number)
        except BaseException:
            log.exception("worker %d (pid %d) failed", number, os.getpid())
        finally:
            logging.shutdown()  # flush before os._exit skips the interpreter's teardown
        return status

    def _forget_parent_state(self) -> None:
        # The child must not act on the supervisor's signals or hold its sockets.
        signal.set_wakeup_fd(-1)
        for signum in _HANDLED_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        os.close(self._wake_r)
        os.close(self._wake_w)
        for sock in self._keep_open:
            sock.close()

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if not pid:
                return
            slot = next((s for s in self.slots if s.pid == pid), None)
            if slot is None:
                continue  # not one of ours (a grandchild reparented to us)
            self._on_worker_exit(slot, status)

    def _on_worker_exit(self, slot: _Slot, status: int) -> None:
        lived = time.monotonic() - slot.started_at
        how = _describe_exit(status)
        pid, slot.pid = slot.pid, 0
        if self._stopping:
            log.info("worker %d (pid %d) stopped: %s", slot.number, pid, how)
            return
        log.warning("worker %d (pid %d) died after %.1f s: %s; starting another",
                    slot.number, pid, lived, how)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == BOOT_ERROR_EXIT:
            log.error("worker %d could not boot; stopping", slot.number)
            self._stopping = True
            self._exit_status = BOOT_ERROR_EXIT
        elif lived < SHORT_LIFE_SECONDS:
            slot.not_before = time.monotonic() + RESPAWN_PAUSE_SECONDS

    # -- signals ---------------------------------------------------------------------

    def _install_signals(self) -> dict:
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        previous = {signum: signal.signal(signum, _queued_only) for signum in _HANDLED_SIGNALS}
        previous["wakeup_fd"] = signal.set_wakeup_fd(self._wake_w)
        return previous

    def _restore_signals(self, previous: dict) -> None:
        signal.set_wakeup_fd(previous.pop("wakeup_fd"))
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _wait_for_signals(self, timeout: float) -> list[int]:
        """Signal numbers that arrived, waiting up to `timeout` for the first."""
        try:
            ready, _, _ = select.select([self._wake_r], [], [], timeout)
        except InterruptedError:
            ready = [self._wake_r]
        if not ready:
            return []
        try:
            return list(os.read(self._wake_r, 512))
        except BlockingIOError:
            return []
        except OSError as exc:  # pragma: no cover - the pipe is ours and open
            if exc.errno == errno.EINTR:
                return []
            raise


def _queued_only(signum, frame) -> None:
    """The Python-level handler does nothing: the wake-up fd already queued the
    signal's number for the supervisor's loop (and logging here could deadlock)."""


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"
