"""Whether a repository is consistent: what ``inv check`` reports, and what the race and fault tests assert.

For each channel: its index reads as a valid index, and every entry's file is there,
with the entry's size and SHA-1, and is the package the entry describes (plugin id,
version, the package checks). Files no index names are listed as notes, not problems:
the archive keeps every version while indexing the highest, and a publish in progress
may be about to index a file. Claims (repo.publish.claims) are listed the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from repo.catalog.page import CATALOG_NAME
from repo.errors import ToolchainError
from repo.package.index import INDEX_NAME
from repo.publish.channel import read_index
from repo.publish.claims import list_claims
from repo.publish.httpmeta import CHANNELS
from repo.publish.plan import fetch_indexed, stat_of
from repo.publish.storage import Storage


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    packages: int = 0  # index entries checked

    @property
    def ok(self) -> bool:
        return not self.problems


def check_repository(storage: Storage, channels: tuple[str, ...] = CHANNELS) -> Report:
    """Check the channels of a repository; raise ToolchainError only when it cannot be read at all."""
    report, checked = Report(), {}
    for channel in channels:
        _check_channel(storage, channel, report, checked)
    return report


def _check_channel(storage: Storage, channel: str, report: Report, checked: dict[str, str | None]) -> None:
    try:
        index = read_index(storage, channel).index
    except ToolchainError as exc:
        report.problems.append(str(exc))
        return
    present = set(storage.list(channel))
    for plugin_id, entry in index.items():
        report.packages += 1
        key = f"{channel}/{entry['filename']}"
        problem = _entry_problem(storage, channel, plugin_id, entry, present, checked)
        if problem:
            report.problems.append(f"{storage.url(key)}: {problem}")
    unindexed = sorted(present - index.filenames() - {INDEX_NAME, CATALOG_NAME})
    report.notes += [f"{storage.url(f'{channel}/{name}')}: not indexed" for name in unindexed]
    report.notes += [f"{storage.url(claim.key)}: {'expired ' if claim.expired() else ''}claim of a {claim.kind} "
                     "in progress or interrupted" for claim in list_claims(storage, channel)]


def _entry_problem(storage: Storage, channel: str, plugin_id: str, entry: dict, present: set[str],
                   checked: dict[str, str | None]) -> str | None:
    """What is wrong with the file an index entry names (None: nothing)."""
    if entry["filename"] not in present:
        return f"missing, although the index entry {plugin_id!r} names it"
    identity = f"{plugin_id} {entry['version']} {entry['dsize']} {entry['sha1sum']}"
    if identity not in checked:  # downloaded: size, SHA-1 and content checked at once
        checked[identity] = _package_problem(storage, channel, plugin_id, entry)
        return checked[identity]
    found = storage.stat(f"{channel}/{entry['filename']}")  # the same package seen in another channel
    if found is None:
        return f"missing, although the index entry {plugin_id!r} names it"
    if found != stat_of(entry):
        return (f"{found.size} bytes, sha1 {found.sha1}, but the index entry {plugin_id!r} says {entry['dsize']} "
                f"bytes, sha1 {entry['sha1sum']}")
    return checked[identity]


def _package_problem(storage: Storage, channel: str, plugin_id: str, entry: dict) -> str | None:
    """What is wrong with the package of an entry, to follow its URL (of any channel holding it)."""
    try:
        fetch_indexed(storage, channel, plugin_id, entry)
    except ToolchainError as exc:
        return exc.message if exc.path == storage.url(f"{channel}/{entry['filename']}") else str(exc)
    return None
