"""Telling the user how a long run is going: which item, how many left, how many bytes sent."""
from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator, TextIO


class Progress:
    """One line per finished item, numbered against the total (readable in CI logs too)."""

    def __init__(self, total: int, stream: TextIO | None = None):
        self.total = total
        self.count = 0
        self.stream = stream if stream is not None else sys.stderr

    def done(self, status: str, name: str) -> None:
        self.count += 1
        width = len(str(self.total))
        print(f"[{self.count:>{width}}/{self.total}] {status:<7} {name}", file=self.stream, flush=True)


class TransferProgress:
    """Bytes of each file transferred, and one line per finished step.

    On a terminal the current file's line is redrawn as bytes go out; elsewhere (CI
    logs, pipes) only the finished line is printed. Publishing code talks to this small
    interface only (``note``, ``transfer``), so another display can replace it.
    """

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty()

    def note(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    @contextlib.contextmanager
    def transfer(self, verb: str, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """Yield a function to call with the bytes done so far; print the finished line at the end."""
        def update(done: int) -> None:
            if self.live:
                self.stream.write(f"\r{verb} {name} {format_bytes(done)} / {format_bytes(total)}\x1b[K")
                self.stream.flush()

        try:
            yield update
        except BaseException:
            if self.live:
                self.stream.write("\r\x1b[K")
            raise
        if self.live:
            self.stream.write("\r\x1b[K")
        self.note(f"{verb} {name} ({format_bytes(total)})")


def format_bytes(count: int) -> str:
    if count < 1000:
        return f"{count} bytes"
    if count < 1000 ** 2:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1000 ** 2:.1f} MB"
