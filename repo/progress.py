"""Telling the user how a long run is going: which item, how many left."""
from __future__ import annotations

import sys
from typing import TextIO


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
