"""What the last build produced, keyed by content hashes, so unchanged targets are not rebuilt.

A target's key hashes everything its output depends on: the content of its build
plugin folder (names, bytes, executable bits, symlink targets; not the DHCP data,
which is never packaged), the target's own declaration, SOURCE_DATE_EPOCH and the
toolchain's source. Never mtimes, except for the firmware folder validation compares
with pkgs.db (big files, read but never packaged: see ``files_state``).

What came out is a package, or a failure with its message: a target that failed
fails again, without running, until its inputs change, unless the failure came from
the machine rather than the sources (see ``from_the_machine``).
"""
from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import stat
import subprocess
import traceback
from pathlib import Path
from typing import Iterable, NamedTuple

from repo.build.commands import MISSING_PROGRAM_ERRORS
from repo.fileutil import write_atomic
from repo.package.archive import PackageInfo

_TOOLCHAIN_ROOT = Path(__file__).resolve().parents[2]
CACHE_FILE = ".cache/build.json"
_READ_WHOLE = 1 << 20  # bytes: files up to this size are hashed in one read


def tree_digest(folder: Path, exclude: Iterable[str] = ()) -> str:
    """A hash of a folder's content: relative names, kinds, bytes, executable bits, link targets.

    ``exclude``: names of entries directly in ``folder`` left out.
    """
    digest = hashlib.sha256()
    _digest_into(digest, os.fspath(folder), "", frozenset(exclude))
    return digest.hexdigest()


def _digest_into(digest, folder: str, prefix: str, exclude: frozenset[str] = frozenset()) -> None:
    # Plain strings, not Paths: every build (a no-op too) hashes every source file.
    for entry in sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name)):
        if entry.name in exclude:
            continue
        name = os.fsencode(prefix + entry.name)
        status = entry.stat(follow_symlinks=False)
        mode = status.st_mode
        if stat.S_ISLNK(mode):
            digest.update(b"L" + name + b"\0" + os.fsencode(os.readlink(entry.path)) + b"\0")
        elif stat.S_ISDIR(mode):
            digest.update(b"D" + name + b"\0")
            _digest_into(digest, entry.path, prefix + entry.name + "/")
        else:
            digest.update((b"X" if mode & 0o111 else b"F") + name + b"\0")
            with open(entry.path, "rb") as f:
                whole = status.st_size <= _READ_WHOLE  # file_digest's buffer costs more than a small file
                digest.update((hashlib.sha256(f.read()) if whole else hashlib.file_digest(f, "sha256")).digest())


def files_state(folder: Path) -> str:
    """A hash of the names, sizes and change times of the files below ``folder`` ("" if there is none).

    For folders of big files that validation reads (firmware mirrors): hashing their
    content on every build would cost more than the check. A change of content changes
    the inode change time, which nobody can set back.
    """
    digest = hashlib.sha256()
    for parent, folders, names in os.walk(folder):
        folders.sort()
        for name in sorted(names):
            path = os.path.join(parent, name)
            status = os.lstat(path)
            digest.update(f"{os.path.relpath(path, folder)}\0{status.st_size}\0{status.st_mtime_ns}\0"
                          f"{status.st_ctime_ns}\0{status.st_ino}\0".encode(errors="surrogateescape"))
    return digest.hexdigest() if os.path.isdir(folder) else ""


# Errors that say something about the machine, not the sources: the next run may not have them.
_MACHINE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.ENOMEM, errno.EMFILE, errno.ENFILE,
                             errno.EAGAIN, errno.EROFS})


def from_the_machine(exc: BaseException) -> bool:
    """Whether a target's failure came from the machine (full disk, no memory, a program not installed).

    Such a failure is not cached: the same sources may build once the machine is fixed.
    """
    seen = exc
    while seen is not None:
        if isinstance(seen, MemoryError) or isinstance(seen, OSError) and seen.errno in _MACHINE_ERRNOS:
            return True
        if isinstance(seen, OSError) and any(frame.f_code.co_name == "_execute_child"
                                             and frame.f_code.co_filename == subprocess.__file__
                                             for frame, _ in traceback.walk_tb(seen.__traceback__)):
            return True  # the program could not be started
        if isinstance(seen, MISSING_PROGRAM_ERRORS):
            return True  # neither the built-in nor the program can run it
        seen = seen.__cause__
    return False


@functools.cache  # the code does not change while it runs
def toolchain_fingerprint() -> str:
    """A hash of the toolchain's own code: upgrading it invalidates every cached package."""
    digest = hashlib.sha256()
    for path in sorted([_TOOLCHAIN_ROOT / "build.py", *(_TOOLCHAIN_ROOT / "repo").rglob("*.py")]):
        digest.update(path.relative_to(_TOOLCHAIN_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def checks_fingerprint() -> str:
    """What decides whether a package passes the checks: the toolchain's code and the package bounds an operator set.

    The bounds (``PROVD_MAX_*``) decide whether a target is refused, so a change of one
    rebuilds, and re-checks, like a change of code.
    """
    return toolchain_fingerprint() + "".join(
        f"|{name}={value}" for name, value in sorted(os.environ.items()) if name.startswith("PROVD_MAX_"))


class Failure(NamedTuple):
    message: str  # the failure line's cause
    detail: str  # what --verbose shows (the traceback, or every error)


class BuildCache:
    """Per plugin id: the key it was last built with and the package (or the failure) that came out."""

    def __init__(self, build_dir: Path):
        self.path = build_dir / CACHE_FILE
        try:
            data = json.loads(self.path.read_bytes())
            self._targets: dict[str, dict] = data["targets"]
            self._packages: dict[str, dict] = data["packages"]
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            # A missing or damaged cache only costs a rebuild.
            self._targets, self._packages = {}, {}

    def lookup(self, plugin_id: str, key: str) -> PackageInfo | Failure | None:
        """What the target made last time, if its key is the same."""
        record = self._targets.get(plugin_id)
        if record is None or record["key"] != key:
            return None
        if "failure" in record:
            # Its message names files relative to the folder the build ran in.
            return Failure(record["failure"], record["detail"]) if record["cwd"] == os.getcwd() else None
        return self.package(record["sha1sum"])

    def store(self, plugin_id: str, key: str, made: PackageInfo | Failure) -> None:
        if isinstance(made, Failure):
            self._targets[plugin_id] = {"key": key, "failure": made.message, "detail": made.detail,
                                        "cwd": os.getcwd()}
            return
        self._targets[plugin_id] = {"key": key, "sha1sum": made.sha1sum}
        self.remember(made)

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
