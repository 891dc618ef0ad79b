"""plugins.db: the index of a channel, one entry per plugin id, the highest version wins."""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Iterable, Iterator

from repo.errors import ToolchainError, brief
from repo.package.archive import PackageInfo
from repo.package.pluginid import plugin_id_problem
from repo.package.version import Version, is_version

INDEX_NAME = "plugins.db"
PACKAGE_KEYS = ("filename", "dsize", "sha1sum")
REQUIRED_KEYS = ("version", "description", "capabilities") + PACKAGE_KEYS
MAX_DEPTH = 16  # an entry holds capabilities holding objects of values: 4 levels
_SHA1 = re.compile(r"[0-9a-f]{40}")
_TEXT_KEYS = ("description", "description_")  # text provd shows: a string, not any JSON


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
        """Parse a plugins.db; refuse, in one line naming ``source``, anything but a well-typed index.

        What provd would refuse (not an object, an entry missing a key), and whatever
        would make our own tools stumble later: values of the wrong type, a version not
        shaped like one, a file name that is a path, NaN, nesting deeper than
        ``MAX_DEPTH``, a plugin id that is not a plain name.
        """
        try:
            raw = json.loads(data, parse_constant=_refuse_constant, object_pairs_hook=_single_keys)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ToolchainError(f"invalid index: {exc}", source) from None
        except RecursionError:
            raise ToolchainError(f"invalid index: nested deeper than {MAX_DEPTH} levels", source) from None
        except ValueError as exc:  # NaN, Infinity, a number with thousands of digits
            raise ToolchainError(f"invalid index: {str(exc).split(';')[0]}", source) from None
        if not isinstance(raw, dict):
            raise ToolchainError("invalid index: not a JSON object", source)
        if _depth(raw) > MAX_DEPTH:
            raise ToolchainError(f"invalid index: nested deeper than {MAX_DEPTH} levels", source)
        for plugin_id, entry in raw.items():
            problem = entry_problem(plugin_id, entry)
            if problem:
                raise ToolchainError(f"invalid index: entry {brief(plugin_id)}: {problem}", source)
        return cls(raw)

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


def entry_problem(plugin_id: str, entry: object) -> str | None:
    """What is wrong with one index entry (a phrase), or None when every field has its type."""
    problem = plugin_id_problem(plugin_id)
    if problem:
        return problem
    if not isinstance(entry, dict):
        return f"{_json_kind(entry)}, not an object"
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        return f"lacks {', '.join(missing)}"
    version, filename, dsize, sha1sum = (entry[key] for key in ("version", "filename", "dsize", "sha1sum"))
    if not is_version(version):
        return f"version {brief(version)} is not a version (e.g. 0.3 or 1.2.0-rc1)"
    for key, value in entry.items():
        if key.startswith(_TEXT_KEYS) and not isinstance(value, str):
            return f"{key!r} must be a string, not {_json_kind(value)}"
    if not isinstance(entry["capabilities"], dict):
        return f"'capabilities' must be an object, not {_json_kind(entry['capabilities'])}"
    if not _is_file_name(filename):
        # It becomes a path when mirrored or copied: never let it point elsewhere.
        return f"unsafe filename {brief(filename)} (a plain file name: no '/', no leading '.', no control character)"
    if not isinstance(dsize, int) or isinstance(dsize, bool) or dsize < 0:
        return f"dsize {brief(dsize)} is not a size in bytes"
    if not isinstance(sha1sum, str) or not _SHA1.fullmatch(sha1sum):
        return f"sha1sum {brief(sha1sum)} is not 40 lowercase hex digits"
    return None


def package_mismatch(plugin_id: str, entry: dict, package: PackageInfo) -> str | None:
    """How a package differs from the index entry naming it (id, version, size, SHA-1), or None."""
    if package.plugin_id != plugin_id:
        return f"holds plugin {package.plugin_id!r}, not {plugin_id!r} as its index entry says"
    if package.version != entry["version"]:
        return f"holds version {package.version!r}, not {entry['version']!r} as its index entry says"
    if (package.dsize, package.sha1sum) != (entry["dsize"], entry["sha1sum"]):
        return (f"does not match its index entry ({package.dsize} bytes, sha1 {package.sha1sum}; "
                f"index: {entry['dsize']} bytes, sha1 {entry['sha1sum']})")
    return None


def _is_file_name(name: object) -> bool:
    return isinstance(name, str) and 0 < len(name) <= 255 and not name.startswith(".") \
        and not any(char in "/\\" or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") for char in name)


def _single_keys(pairs: list[tuple[str, object]]) -> dict:
    """An object whose keys are all different: readers disagree on which of two equal keys wins."""
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {brief(key)}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: object) -> int:
    """How deeply ``value`` nests arrays and objects (a scalar: 0), without recursing."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth + 1)
            pending += [(item, depth + 1) for item in value]
    return deepest


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {str: "a string", dict: "an object", list: "an array", int: "a number", float: "a number"}[type(value)]
