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
from repo.publish.storage import Storage


def delete_unindexed(storage: Storage, channel: str, names: Iterable[str], why: str,
                     note: Callable[[str], None]) -> list[str]:
    """Delete ``names`` from the channel, except what its index names or a publish claims; the names deleted.

    ``why`` ends each deletion's line (e.g. ``kept in archive/``).
    """
    candidates = frozenset(names)
    if not candidates:
        return []
    with Held(storage, channel, DELETE, candidates) as held:
        claims = find_claims(storage, channel, PUBLISH)
        named = read_index(storage, channel).index.filenames()
        deleted = []
        for name in sorted(candidates):
            key = f"{channel}/{name}"
            if name in named or any(claim.covers(name) for claim in claims):
                note(f"left {storage.url(key)} in place: a publish indexes or claims it")
            elif held.fresh():
                storage.delete(key)
                note(f"deleted {storage.url(key)} ({why})")
                deleted.append(name)
        return deleted
