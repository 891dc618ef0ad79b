"""plugins.db: the index of a channel, one entry per plugin id, the highest version wins."""
from __future__ import annotations

import json
from typing import Iterable, Iterator

from repo.errors import ToolchainError
from repo.package.archive import PackageInfo
from repo.package.version import InvalidVersion, Version

INDEX_NAME = "plugins.db"
PACKAGE_KEYS = ("filename", "dsize", "sha1sum")
REQUIRED_KEYS = ("version", "description", "capabilities") + PACKAGE_KEYS


def entry_for(package: PackageInfo) -> dict:
    """The index entry of a package: every plugin-info key plus where and what the file is."""
    entry = dict(package.info)
    entry.update(filename=package.filename, dsize=package.dsize, sha1sum=package.sha1sum)
    return entry


class Index:
    """A channel's plugins.db in memory: add, merge, remove, then serialise."""

    def __init__(self, entries: dict[str, dict] | None = None):
        self._entries: dict[str, dict] = {}
        for plugin_id, entry in (entries or {}).items():
            self.add(plugin_id, entry)

    @classmethod
    def from_packages(cls, packages: Iterable[PackageInfo]) -> "Index":
        index = cls()
        for package in packages:
            index.add(package.plugin_id, entry_for(package))
        return index

    @classmethod
    def from_bytes(cls, data: bytes, source: str = INDEX_NAME) -> "Index":
        """Parse a plugins.db; refuse what provd would refuse (not an object, an entry missing a key)."""
        try:
            raw = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ToolchainError(f"invalid index: {exc}", source) from None
        if not isinstance(raw, dict):
            raise ToolchainError("invalid index: not a JSON object", source)
        for plugin_id, entry in raw.items():
            if not isinstance(entry, dict):
                raise ToolchainError(f"invalid index: entry {plugin_id!r} is not an object", source)
            missing = [k for k in REQUIRED_KEYS if k not in entry]
            if missing:
                raise ToolchainError(f"invalid index: entry {plugin_id!r} lacks {', '.join(missing)}", source)
            filename = entry["filename"]
            if not isinstance(filename, str) or not filename or "/" in filename or "\\" in filename \
                    or filename.startswith("."):
                # It becomes a path when mirrored or copied: never let it point elsewhere.
                raise ToolchainError(f"invalid index: entry {plugin_id!r} has an unsafe filename {filename!r}",
                                     source)
        try:
            return cls(raw)
        except InvalidVersion as exc:
            raise ToolchainError(f"invalid index: {exc}", source) from None

    def add(self, plugin_id: str, entry: dict) -> bool:
        """Keep ``entry`` if it is newer than (or replaces the same version of) the current one.

        Returns True when the index changed.
        """
        current = self._entries.get(plugin_id)
        if current is not None:
            if Version(entry["version"]) < Version(current["version"]) or entry == current:
                return False
        self._entries[plugin_id] = dict(entry)
        return True

    def merge(self, other: "Index") -> list[str]:
        """Add every entry of ``other``; return the ids that changed."""
        return [plugin_id for plugin_id, entry in other.items() if self.add(plugin_id, entry)]

    def remove(self, plugin_id: str) -> dict:
        try:
            return self._entries.pop(plugin_id)
        except KeyError:
            raise ToolchainError(f"plugin {plugin_id!r} is not in the index") from None

    def get(self, plugin_id: str) -> dict | None:
        return self._entries.get(plugin_id)

    def items(self) -> Iterator[tuple[str, dict]]:
        return iter(sorted(self._entries.items()))

    def filenames(self) -> set[str]:
        return {entry["filename"] for entry in self._entries.values()}

    def __contains__(self, plugin_id: str) -> bool:
        return plugin_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Index) and self._entries == other._entries

    def to_bytes(self) -> bytes:
        # Exactly how the upstream tool writes it: compact, sorted keys, ASCII escapes.
        return json.dumps(self._entries, separators=(",", ":"), sort_keys=True).encode("ascii")
