"""The terminal: prompts, hidden passwords, and output that other threads may add to.

Chat prints incoming messages from a background thread while the person is
typing. `Console.notify` therefore clears the input line, prints the message,
and redraws the prompt with whatever had been typed so far (readline's line
buffer), so the half-written reply is not lost or garbled.
"""

from __future__ import annotations

import getpass
import shutil
import sys
import threading

from .format import Style, display_width

try:  # line editing and history when the platform has it
    import readline
except ImportError:  # pragma: no cover - Windows without pyreadline
    readline = None

__all__ = ["Console"]

CLEAR_LINE = "\r\x1b[2K"


class Console:
    """Reads answers from stdin and writes to stdout; safe to `notify` from threads."""

    def __init__(self, stdin=None, stdout=None, style: Style | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.style = style or Style.for_stream(self.stdout)
        self.interactive = _isatty(self.stdin) and _isatty(self.stdout)
        self._lock = threading.Lock()
        self._prompt: str | None = None  # set while input() waits

    # -- output ----------------------------------------------------------------

    def say(self, text: str = "") -> None:
        with self._lock:
            self.stdout.write(text + "\n")
            self.stdout.flush()

    def ok(self, text: str) -> None:
        self.say(self.style.green(text))

    def warn(self, text: str) -> None:
        self.say(self.style.yellow(text))

    def error(self, text: str) -> None:
        self.say(self.style.red(text))

    def notify(self, text: str) -> None:
        """Print `text` above the line being typed, then redraw that line."""
        with self._lock:
            if self._prompt is None or not self.interactive:
                self.stdout.write(text + "\n")
            else:
                typed = readline.get_line_buffer() if readline else ""
                self.stdout.write(CLEAR_LINE + text + "\n" + self._prompt + typed)
            self.stdout.flush()

    # -- input -----------------------------------------------------------------

    def ask(self, prompt: str, default: str | None = None, *, strip: bool = True) -> str:
        """One line of input, stripped; `default` when empty. EOFError on Ctrl-D."""
        shown = prompt + (self.style.dim(f"[{default}] ") if default else "")
        with self._lock:
            self._prompt = shown
        try:
            answer = self._read_line(shown)
        finally:
            with self._lock:
                self._prompt = None
        if not strip:
            return answer
        return answer.strip() or (default or "")

    def replace_echo(self, prompt: str, typed: str, text: str) -> None:
        """Replace the line just typed at `prompt` (still on screen) with `text`."""
        with self._lock:
            if self.interactive:
                columns = shutil.get_terminal_size().columns
                rows = max(1, -(-(display_width(prompt) + display_width(typed)) // columns))
                self.stdout.write(f"\x1b[{rows}A\r\x1b[J")
            self.stdout.write(text + "\n")
            self.stdout.flush()

    def _read_line(self, prompt: str) -> str:
        if self.stdin is sys.stdin and self.stdout is sys.stdout:
            return input(_readline_prompt(prompt) if readline else prompt)
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def secret(self, prompt: str) -> str:
        """A password, not echoed (getpass reads the terminal itself)."""
        return getpass.getpass(prompt)

    def confirm(self, question: str, default: bool = False) -> bool:
        hint = "[Y/n] " if default else "[y/N] "
        answer = self.ask(question + " " + hint).lower()
        return default if not answer else answer in ("y", "yes")

    def choose(self, prompt: str, choices: list[str], default: str) -> str:
        """Ask until the answer is one of `choices` (or a unique prefix of one)."""
        while True:
            answer = self.ask(f"{prompt} ({' / '.join(choices)}) ", default).lower()
            matches = [c for c in choices if c.startswith(answer)] if answer else []
            if answer in choices:
                return answer
            if len(matches) == 1:
                return matches[0]
            self.warn(f"Please answer one of: {', '.join(choices)}.")


def _isatty(stream) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def _readline_prompt(prompt: str) -> str:
    # readline counts every byte of the prompt as a column unless escape
    # sequences are bracketed by \001 and \002; without this, long lines wrap wrongly.
    out, i = [], 0
    while i < len(prompt):
        if prompt[i] == "\x1b":
            end = prompt.index("m", i) + 1
            out.append("\001" + prompt[i:end] + "\002")
            i = end
        else:
            out.append(prompt[i])
            i += 1
    return "".join(out)
