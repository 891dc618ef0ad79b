"""Before anything is sent: which packages keep a version the repository already published with other bytes.

A published version never changes (upload refuses it, promote too): a build that
changed a package's content without bumping its version is told now, one finding per
package, instead of at upload time. The dev, stable and archive indexes are compared
with the packages, by plugin id and version.
"""
from __future__ import annotations

import os
from typing import Callable

from repo.errors import ToolchainError
from repo.package.index import Index
from repo.publish.channel import read_index
from repo.publish.httpmeta import CHANNELS
from repo.publish.storage import Storage
from repo.validation.findings import Finding
from repo.validation.rules import finding

def version_conflicts(storage: Storage, built: Index, where: Callable[[dict], str | os.PathLike]) -> list[Finding]:
    """One finding per entry of ``built`` whose version a channel indexes with another SHA-1, reported at ``where``."""
    indexes = [(channel, read_index(storage, channel).index) for channel in CHANNELS]
    findings = []
    for plugin_id, entry in built.items():
        published = [(channel, other) for channel, index in indexes
                     if (other := index.get(plugin_id)) is not None and other["version"] == entry["version"]
                     and other["sha1sum"] != entry["sha1sum"]]
        if published:
            channels = ", ".join(channel for channel, _ in published)
            findings.append(finding("version-published", where(entry), f"{plugin_id} {entry['version']} is already published in "
                                    f"{channels} with other bytes (sha1 {published[0][1]['sha1sum'][:12]}, this "
                                    f"build {entry['sha1sum'][:12]}): bump the version before uploading"))
    return findings


def published_findings(address: str | None, explicit: bool, open_storage: Callable[[str], Storage], built: Index,
                       where: Callable[[dict], str | os.PathLike], warn: Callable[[str], None]) -> list[Finding]:
    """``version_conflicts`` against the repository at ``address`` (None: no repository configured, nothing to do).

    A repository that cannot be read stops the command only when given explicitly
    (``explicit``: --against); a configured one is then skipped with one warning, so
    that building works offline.
    """
    if address is None:
        return []
    try:
        return version_conflicts(open_storage(address), built, where)
    except ToolchainError as exc:
        if explicit:
            raise
        warn(f"warning: not compared with the published versions (the configured repository cannot be read): {exc}")
        return []
