"""Remembering what a file's content says, so the same bytes are analysed once per process.

Built trees repeat files: every target of a build plugin gets the same ``common/``
templates and code. A parse depends on the bytes only, so its result is kept by their
hash; what depends on the tree around the file (does an included template exist?) is
not part of it and is checked for each tree.

Keyed by SHA-256, not SHA-1: packages from elsewhere are checked with these analyses
too, and a SHA-1 collision can be made to order (a harmless file's verdict given to a
harmful one).
"""
from __future__ import annotations

import functools
import hashlib
from typing import Callable, TypeVar

Result = TypeVar("Result")

_LIMIT = 8192  # distinct contents kept per analysis: a real tree has a few thousand files


def by_content(analyse: Callable[[bytes], Result]) -> Callable[[bytes], Result]:
    """``analyse`` (a pure function of bytes returning an immutable value), computed once per content."""
    results: dict[bytes, Result] = {}

    @functools.wraps(analyse)
    def memoised(data: bytes) -> Result:
        key = hashlib.sha256(data).digest()
        if key not in results:
            if len(results) >= _LIMIT:
                results.clear()  # the simplest bound; a tree that large starts over
            results[key] = analyse(data)
        return results[key]
    return memoised
