"""A channel of a repository (dev, stable, archive): its index, read and updated without lost updates.

An index is changed by read-modify-write: read it with its version tag, compute the
new index from what was read, write it only if it is still at that version; on a
conflict, read again and recompute. Two publishers never overwrite each other.

The channel's catalog page (``index.html``) follows its index: it is rewritten after
each index write, and by any update that finds it describing another index (an
interrupted publish, a repository published before pages existed).
"""
from __future__ import annotations

import functools
import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from repo.catalog.page import CATALOG_NAME, described_index_sha1, render
from repo.errors import ToolchainError
from repo.fileutil import read_file
from repo.package.index import INDEX_NAME, Index
from repo.publish.concurrency import together
from repo.publish.folders import channel_folder
from repo.publish.httpmeta import CHANNELS
from repo.publish.limits import INDEX_SIZE, max_page_bytes
from repo.publish.storage import Conflict, Stat, Storage, TooLarge, VerificationFailed
from repo.ui.progress import TransferProgress

MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class ChannelIndex:
    """A channel's index as read: parsed, its raw bytes (None: no index yet) and version tag."""

    index: Index
    data: bytes | None
    tag: str | None

    @property
    def sha1(self) -> str | None:
        return None if self.data is None else hashlib.sha1(self.data).hexdigest()


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise ToolchainError(f"unknown channel {channel!r} (channels: {', '.join(CHANNELS)})")
    return channel


def index_key(channel: str) -> str:
    return f"{channel}/{INDEX_NAME}"


def read_index(storage: Storage, channel: str) -> ChannelIndex:
    """The channel's index, parsed and checked (one line naming it when it is invalid or too large)."""
    limit = INDEX_SIZE()
    try:
        found = storage.read(index_key(channel), limit)
    except TooLarge:
        raise ToolchainError(f"larger than {INDEX_SIZE.show(limit)}, the most an index may have (raise "
                             f"{INDEX_SIZE.variable} to read it)", storage.url(index_key(channel))) from None
    if found is None:
        return ChannelIndex(Index(), None, None)
    return ChannelIndex(Index.from_bytes(found.data, storage.url(index_key(channel))), found.data, found.tag)


def catalog_key(channel: str) -> str:
    return f"{channel}/{CATALOG_NAME}"


def write_channel_index(storage: Storage, channel: str, index: Index, tag: str | None,
                        after_write: Callable[[], object] | None = None) -> None:
    """Publish a channel's index if it is still at version ``tag``; raise Conflict otherwise.

    The one place a channel's index is written: anything that must change with it
    goes here. ``after_write``: what else waits for the write, done with the page.
    """
    data = index.to_bytes()
    storage.put_if(index_key(channel), data, tag)
    page = functools.partial(refresh_catalog, storage, channel, ChannelIndex(index, data, None),  # new tag: not needed
                             known_stale=True)
    together(page, *(() if after_write is None else (after_write,)))


_UNREAD = "unread"


def refresh_catalog(storage: Storage, channel: str, current: ChannelIndex, known_stale: bool = False,
                    described: str | None = _UNREAD) -> None:
    """Make the channel's catalog page describe ``current``, its index; write nothing if it already does.

    After writing, the index is read again: if another publisher changed it meanwhile,
    the page is rendered again from the newer index, so the last page written always
    describes the last index written. ``described``: what the page said when ``current``
    was read (see described_index_sha1), if the caller read it then.
    """
    key = catalog_key(channel)
    for _ in range(MAX_ATTEMPTS):
        if current.data is None:
            return  # nothing published here: no page
        if described is _UNREAD:
            described = None if known_stale else _described_index_sha1(storage, key)
        if not known_stale and described == current.sha1:
            return
        page = render(current.index, channel_folder(storage, channel), datetime.now(timezone.utc), current.sha1)
        written = _put_page(storage, key, page)
        latest = read_index(storage, channel)
        if written and latest.data == current.data:
            return
        known_stale, current, described = latest.data != current.data, latest, _UNREAD
    # Still changing: whoever is writing the index will write the page after it.


def _put_page(storage: Storage, key: str, page: bytes) -> bool:
    """Write a catalog page; False when another publisher's page replaced it before it was verified."""
    try:
        storage.put(key, page)
        return True
    except VerificationFailed:
        if _described_index_sha1(storage, key) is None:
            raise
        return False


def _described_index_sha1(storage: Storage, key: str) -> str | None:
    """The SHA-1 of the index the page at ``key`` describes; None: no page, not ours, or oversized."""
    try:
        return described_index_sha1(storage.get(key, max_page_bytes()))
    except TooLarge:
        return None


@dataclass(frozen=True)
class IndexUpdate:
    before: ChannelIndex
    after: Index
    written: bool


def update_index(storage: Storage, channel: str, change: Callable[[ChannelIndex], Index],
                 before_write: Callable[[ChannelIndex, Index], None] | None = None,
                 known: ChannelIndex | None = None, after_write: Callable[[], object] | None = None) -> IndexUpdate:
    """Apply ``change`` to the channel's current index until the write wins; write nothing if unchanged.

    ``before_write(current, new)`` runs before each write attempt (e.g. to archive what
    the new index stops naming): it must be safe to repeat; ``after_write()`` once the
    write won. ``known``: the index as the caller read it moments ago, the first
    attempt's (one read less; if it is no longer current, that attempt's write is a
    Conflict and the next one reads it again). A change that leaves it as it is, is
    judged again on the index read now, read with the page (one round trip for both).
    """
    for attempt in range(MAX_ATTEMPTS):
        described = _UNREAD
        if attempt == 0 and known is not None:
            current = known
            if change(current) == current.index:
                current, described = together(lambda: read_index(storage, channel),
                                              lambda: _described_index_sha1(storage, catalog_key(channel)))
        else:
            current = read_index(storage, channel)
        new = change(current)
        if new == current.index:
            refresh_catalog(storage, channel, current, described=described)
            return IndexUpdate(current, new, False)
        if before_write is not None:
            before_write(current, new)
        try:
            write_channel_index(storage, channel, new, current.tag, after_write)
            return IndexUpdate(current, new, True)
        except Conflict:
            # Someone else wrote in between: back off a random while so we do not collide again.
            time.sleep(random.uniform(0, min(1.0, 0.01 * 2 ** attempt)))
    raise ToolchainError(f"the index kept changing while we tried to update it; gave up after {MAX_ATTEMPTS} "
                         "attempts", storage.url(index_key(channel)))


def publish_file(storage: Storage, key: str, path: str | Path, progress: TransferProgress | None = None) -> bool:
    """Put one local file at ``key``, replacing what is there only once the new content is verified.

    The file is uploaded and verified under a hidden staging name next to ``key``
    (hidden files are neither listed nor served), then copied over ``key`` and verified
    again: readers of ``key`` see the old file or the new one, never a broken one.
    Returns False, having written nothing, when ``key`` already has these bytes.
    """
    data = read_file(path)
    expected = Stat.of(data)
    folder, _, name = key.rpartition("/")
    staging = f"{folder}/.staging-{name}" if folder else f".staging-{name}"
    if storage.stat(key) != expected:
        progress = progress or TransferProgress()
        with progress.transfer("uploaded", storage.url(key), len(data)) as on_bytes:
            storage.put(staging, data, on_bytes)
        storage.copy(staging, key, expected)
    elif storage.stat(staging) is None:
        return False
    storage.delete(staging)  # also what an interrupted run left behind
    return True
