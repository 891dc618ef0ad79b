"""What the last build produced, keyed by content hashes, so unchanged targets are not rebuilt.

A target's key hashes everything its output depends on: the content of its build
plugin folder (names, bytes, executable bits, symlink targets; not the DHCP data,
which is never packaged), the target's own declaration, SOURCE_DATE_EPOCH and the
toolchain's source. Never mtimes.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Iterable

from repo.fileutil import write_atomic
from repo.package.archive import PackageInfo

_TOOLCHAIN_ROOT = Path(__file__).resolve().parents[2]
CACHE_FILE = ".cache/build.json"


def tree_digest(folder: Path, exclude: Iterable[str] = ()) -> str:
    """A hash of a folder's content: relative names, kinds, bytes, executable bits, link targets.

    ``exclude``: names of entries directly in ``folder`` left out.
    """
    digest = hashlib.sha256()
    _digest_into(digest, folder, "", frozenset(exclude))
    return digest.hexdigest()


def _digest_into(digest, folder: Path, prefix: str, exclude: frozenset[str] = frozenset()) -> None:
    for entry in sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name)):
        if entry.name in exclude:
            continue
        name = os.fsencode(prefix + entry.name)
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(mode):
            digest.update(b"L" + name + b"\0" + os.fsencode(os.readlink(entry.path)) + b"\0")
        elif stat.S_ISDIR(mode):
            digest.update(b"D" + name + b"\0")
            _digest_into(digest, Path(entry.path), prefix + entry.name + "/")
        else:
            digest.update((b"X" if mode & 0o111 else b"F") + name + b"\0")
            with open(entry.path, "rb") as f:
                digest.update(hashlib.file_digest(f, "sha256").digest())


def toolchain_fingerprint() -> str:
    """A hash of the toolchain's own code: upgrading it invalidates every cached package."""
    digest = hashlib.sha256()
    for path in sorted([_TOOLCHAIN_ROOT / "build.py", *(_TOOLCHAIN_ROOT / "repo").rglob("*.py")]):
        digest.update(path.relative_to(_TOOLCHAIN_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class BuildCache:
    """Per plugin id: the key it was last built with and the package that came out."""

    def __init__(self, build_dir: Path):
        self.path = build_dir / CACHE_FILE
        try:
            data = json.loads(self.path.read_bytes())
            self._targets: dict[str, dict] = data["targets"]
            self._packages: dict[str, dict] = data["packages"]
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            # A missing or damaged cache only costs a rebuild.
            self._targets, self._packages = {}, {}

    def lookup(self, plugin_id: str, key: str) -> PackageInfo | None:
        record = self._targets.get(plugin_id)
        if record is None or record["key"] != key:
            return None
        return self.package(record["sha1sum"])

    def store(self, plugin_id: str, key: str, package: PackageInfo) -> None:
        self._targets[plugin_id] = {"key": key, "sha1sum": package.sha1sum}
        self.remember(package)

    def forget(self, plugin_id: str) -> None:
        self._targets.pop(plugin_id, None)

    def plugin_ids(self) -> set[str]:
        return set(self._targets)

    def package(self, sha1sum: str) -> PackageInfo | None:
        record = self._packages.get(sha1sum)
        return PackageInfo(sha1sum=sha1sum, **record) if record else None

    def remember(self, package: PackageInfo) -> None:
        self._packages[package.sha1sum] = {
            "plugin_id": package.plugin_id, "info": package.info,
            "filename": package.filename, "dsize": package.dsize,
        }

    def save(self, live_sha1sums: set[str]) -> None:
        """Write the cache, keeping package records only for packages that still exist."""
        self._packages = {k: v for k, v in self._packages.items() if k in live_sha1sums}
        data = json.dumps({"targets": self._targets, "packages": self._packages}, sort_keys=True).encode()
        if not self.path.exists() or self.path.read_bytes() != data:
            write_atomic(self.path, data)
