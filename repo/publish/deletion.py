"""Deleting package files of a channel that no index names, without racing a publish (repo.publish.claims).

The remover's side of the claims protocol (D1 to D5): claim the files, leave alone
those a publish claims or the index names, delete the rest while the claim is fresh,
release the claim. Every deletion, and every file left in place, is named through
``note``.
"""
from __future__ import annotations

from typing import Callable, Iterable

from repo.publish.channel import read_index
from repo.publish.claims import DELETE, PUBLISH, Held, find_claims
from repo.publish.concurrency import run_all, together
from repo.publish.storage import Storage


def delete_unindexed(storage: Storage, channel: str, names: Iterable[str], why: str,
                     note: Callable[[str], None]) -> list[str]:
    """Delete ``names`` from the channel, except what its index names or a publish claims; the names deleted.

    ``why`` ends each deletion's line (e.g. ``kept in archive/``). The deletions run together.
    """
    candidates = frozenset(names)
    if not candidates:
        return []
    with Held(storage, channel, DELETE, candidates) as held:
        # D2 and D3 only need to come after D1: together.
        claims, index = together(lambda: find_claims(storage, channel, PUBLISH), lambda: read_index(storage, channel))
        named = index.index.filenames()
        kept = {name for name in candidates if name in named or any(claim.covers(name) for claim in claims)}
        deleted = set()

        def delete(name: str) -> None:
            if held.fresh():
                storage.delete(f"{channel}/{name}")
                deleted.add(name)

        try:
            run_all(sorted(candidates - kept), delete)
        finally:  # in the names' order, whichever deletion finished first; those done also when one failed
            for name in sorted(candidates):
                key = storage.url(f"{channel}/{name}")
                if name in kept:
                    note(f"left {key} in place: a publish indexes or claims it")
                elif name in deleted:
                    note(f"deleted {key} ({why})")
        return sorted(deleted)
