"""Telling the user how a long run is going: which item, how many left, how many bytes sent.

On a terminal, rich progress bars (a bar of targets for a build, a bar of bytes for each
file transferred) with the finished lines scrolling above them; elsewhere (CI logs,
pipes) only plain finished lines, one per item. Build and publishing code talk to the
two small interfaces below only, so the display can change without touching them.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Callable, Iterator, TextIO

from repo.ui.terminal import printable


def is_live(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal that can redraw a bar in place."""
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class _Display:
    """Where finished lines go: straight to the stream, or above the bars on a terminal."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.live = is_live(self.stream)
        self.bars = None
        if self.live:  # rich only for a terminal: commands logging to CI start faster without it
            from repo.ui.progressbars import Bars
            self.bars = Bars(self.stream)

    def note(self, text: str) -> None:
        self._show(printable(text))  # names and messages may come from a repository

    def _show(self, text: str) -> None:
        if self.bars is not None:
            self.bars.print(text)
        else:
            print(text, file=self.stream, flush=True)


class Progress(_Display):
    """Items of a run finishing, counted against the total.

    Use it as a context manager around the run: on a terminal, a bar of the items done
    (with the last one finished) stays below the lines until the run ends. There, lines
    are written in batches, at most every ``BATCH_SECONDS``: a build finishes hundreds of
    items and warnings a second, and redrawing the bar for each line would cost more
    than some builds (the bar itself shows the last item at once). Elsewhere each line
    is written as it comes: it costs little, and a log shows what finished before a
    long step.
    """

    BATCH_SECONDS = 0.1

    def __init__(self, total: int, stream: TextIO | None = None):
        super().__init__(stream)
        self.total = total
        self.count = 0
        self._bar = None
        self._lines: list[str] = []
        self._due = 0.0  # when the lines waiting are written

    def __enter__(self) -> "Progress":
        if self.bars is not None and self.total:
            self._bar = self.bars.items("building")
            self._task = self._bar.add_task("", total=self.total, last="")
            self._bar.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._write()
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def done(self, status: str, name: str) -> None:
        self.count += 1
        if self._bar is not None:  # first, so the bar redrawn under the line already counts it
            self._bar.update(self._task, completed=self.count, last=f"{status} {name}")
        width = len(str(self.total))
        self.note(f"[{self.count:>{width}}/{self.total}] {status:<7} {name}")

    def note(self, text: str) -> None:
        if self.bars is None:
            super().note(text)
            return
        self._lines.append(text)
        if time.monotonic() >= self._due:
            self._write()

    def _write(self) -> None:
        if self._lines:
            self._show("\n".join(map(printable, self._lines)))
            self._lines.clear()
        self._due = time.monotonic() + self.BATCH_SECONDS


class TransferProgress(_Display):
    """Bytes of each file transferred, and one line per finished step.

    On a terminal each file in flight gets a bar of bytes that disappears once the file
    is done; every finished file leaves one line, terminal or not. Transfers may run on
    several threads at once (repo.publish.concurrency): lines are printed whole, and a
    thread ``holding`` its lines hands them over to be printed in order.
    """

    def __init__(self, stream: TextIO | None = None):
        super().__init__(stream)
        self._lock = threading.RLock()
        self._held = threading.local()
        self._bar = None  # the bars of the files in flight, while there are any
        self._in_flight = 0

    def note(self, text: str) -> None:
        held = getattr(self._held, "lines", None)
        if held is not None:
            held.append(text)
            return
        with self._lock:
            super().note(text)

    @contextlib.contextmanager
    def holding(self, lines: list[str]) -> Iterator[None]:
        """Meanwhile, the lines this thread notes are appended to ``lines`` instead of printed."""
        self._held.lines = lines
        try:
            yield
        finally:
            self._held.lines = None

    @contextlib.contextmanager
    def transfer(self, verb: str, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """Yield a function to call with the bytes done so far; print the finished line at the end."""
        if self.bars is not None:
            with self._bar_of(printable(name), total) as update:
                yield update
        else:
            yield lambda done: None
        self.note(f"{verb} {name} ({format_bytes(total)})")

    @contextlib.contextmanager
    def _bar_of(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """A bar among those of the files in flight (one live display for all of them)."""
        with self._lock:
            if self._bar is None:
                self._bar = self.bars.transfers()
                self._bar.start()
            bar, self._in_flight = self._bar, self._in_flight + 1
            task = bar.add_task(name.rsplit("/", 1)[-1], total=total)
        try:
            yield lambda done: bar.update(task, completed=done)
        finally:
            with self._lock:
                self._in_flight -= 1
                if self._in_flight:
                    bar.remove_task(task)
                else:  # drawn a last time as it ended, then gone (transient)
                    self._bar = None
                    bar.stop()


def format_bytes(count: int) -> str:
    if count < 1000:
        return f"{count} bytes"
    if count < 1000 ** 2:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1000 ** 2:.1f} MB"
