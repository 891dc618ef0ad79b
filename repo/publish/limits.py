"""How much of a repository file is read before it is refused: nothing a repository serves is unbounded.

An index (``plugins.db``) is parsed in memory, so its size is capped; a catalog page
may be up to four times that. A package is streamed to disk and may be no larger
than its index entry's ``dsize`` (one byte more and it is refused), nor than the
package size bound, checked before downloading. Both caps are raised with an
environment variable holding a number of bytes (suffixes ``K``, ``M``, ``G`` for KiB,
MiB, GiB)::

    PROVD_MAX_INDEX_SIZE=64M inv list --channel stable
"""
from __future__ import annotations

import os

from repo.errors import ToolchainError

MAX_INDEX_BYTES = ("PROVD_MAX_INDEX_SIZE", 16 << 20)  # ~100x the largest real plugins.db
MAX_PACKAGE_BYTES = ("PROVD_MAX_PACKAGE_SIZE", 256 << 20)  # the package readers' bound on a package file
MAX_CLAIM_BYTES = 1 << 20  # a claim lists file names (repo.publish.claims)
_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def max_bytes(limit: tuple[str, int]) -> int:
    """The limit in bytes: its environment variable when set, else its default."""
    variable, default = limit
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    number, unit = (text[:-1], _UNITS[text[-1].upper()]) if text[-1].upper() in _UNITS else (text, 1)
    if not number.isdigit() or int(number) == 0:
        raise ToolchainError(f"{variable} must be a number of bytes (e.g. 67108864 or 64M), not {text!r}")
    return int(number) * unit


def max_index_bytes() -> int:
    return max_bytes(MAX_INDEX_BYTES)


def max_page_bytes() -> int:
    return 4 * max_index_bytes()


def max_package_bytes() -> int:
    return max_bytes(MAX_PACKAGE_BYTES)


def describe(size: int) -> str:
    """``16 MiB``: a limit as its variable would be written."""
    for unit, factor in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size % factor == 0:
            return f"{size // factor} {unit}iB"
    return f"{size} bytes"
