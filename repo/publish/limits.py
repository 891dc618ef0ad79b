"""How much of a repository file is read before it is refused: nothing a repository serves is unbounded.

An index (``plugins.db``) is parsed in memory, so its size is capped; a catalog page
may be up to four times that. A package is streamed to disk and may be no larger
than its index entry's ``dsize`` (one byte more and it is refused), nor than the
package size bound of repo.package.limits, checked before downloading. Bounds are
raised the same way as the package ones::

    PROVD_MAX_INDEX_SIZE=64M inv list --channel stable
"""
from __future__ import annotations

from repo.package.limits import PACKAGE_SIZE, Limit, MiB

INDEX_SIZE = Limit("PROVD_MAX_INDEX_SIZE", 16 * MiB, "bytes", "plugins.db read from a repository")  # ~100x real
MAX_CLAIM_BYTES = 1 * MiB  # a claim lists file names (repo.publish.claims)


def max_page_bytes() -> int:
    """A catalog page read back: four times the index bound."""
    return 4 * INDEX_SIZE()


__all__ = ["INDEX_SIZE", "MAX_CLAIM_BYTES", "PACKAGE_SIZE", "max_page_bytes"]
