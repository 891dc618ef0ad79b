"""Which plugin ids a command works on: ids and globs ('wazo-yealink-*'), all of a channel, or what changed.

Indexes in, sorted ids out. A pattern
matching nothing is an error naming it: a typo must not quietly select less.
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Iterable, Sequence

from repo.catalog.indexdiff import NEW, UPGRADE, diff_indexes
from repo.errors import ToolchainError
from repo.package.index import INDEX_NAME, Index
from repo.publish.channel import index_key
from repo.publish.plan import Promotion, read_promotion
from repo.publish.storage import Storage

GLOB_CHARACTERS = frozenset("*?[")


def matching_ids(ids: Iterable[str], patterns: Sequence[str], where: str, source: str | None = None) -> list[str]:
    """The ids any pattern matches (fnmatch, case-sensitive); an error names a pattern matching none.

    ``where`` says where the ids come from in the error, ``source`` is its location (an index's URL).
    """
    ids = sorted(set(ids))
    chosen: set[str] = set()
    for pattern in patterns:
        matched = [plugin_id for plugin_id in ids if fnmatchcase(plugin_id, pattern)]
        if not matched:
            kind = "pattern" if GLOB_CHARACTERS & set(pattern) else "plugin"
            raise ToolchainError(f"no {kind} {pattern!r} in {where}" if kind == "plugin"
                                 else f"{kind} {pattern!r} matches no plugin id in {where}", source)
        chosen.update(matched)
    return sorted(chosen)


def promoted_ids(source: Index, dest: Index, source_name: str, patterns: Sequence[str] = (),
                 every: bool = False, changed: bool = False, source_url: str | None = None) -> list[str]:
    """The ids to promote from ``source``: matched by ``patterns``, all of them, and/or new or upgraded in it."""
    ids = [plugin_id for plugin_id, _ in source.items()]
    chosen = set(matching_ids(ids, patterns, f"the {source_name} channel", source_url))
    if every:
        chosen.update(ids)
    if changed:
        difference = diff_indexes(source, dest, source_name, "")
        chosen.update(c.plugin_id for c in difference.changes if c.kind in (NEW, UPGRADE))
    return sorted(chosen)


def select_promoted(storage: Storage, source: str, dest: str, patterns: Sequence[str] = (),
                    every: bool = False, changed: bool = False) -> tuple[list[str], Promotion]:
    """``promoted_ids`` on the channels' current indexes, and the channels as read (the plan's starting point).

    Naming nothing to select is an error.
    """
    if not (patterns or every or changed):
        raise ToolchainError("name the plugin ids to promote (or --all, --changed)")
    read = read_promotion(storage, source, dest)
    if read.source.data is None:  # a mistyped --repo must not pass for an empty channel
        raise ToolchainError(f"nothing published to the {source} channel yet (no {INDEX_NAME})",
                             storage.url(index_key(source)))
    return promoted_ids(read.source.index, read.dest.current.index, source, patterns, every, changed,
                        storage.url(index_key(source))), read
