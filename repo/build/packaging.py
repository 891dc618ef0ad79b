"""Turning a built plugin tree into a reproducible ``<id>-<version>.tar.bz2`` package.

Same tree, same bytes, whatever the machine, user, umask or checkout time: members are
sorted, all carry one mtime, uid/gid 0 with empty owner names, modes normalised to
0644/0755 (0777 for symlinks), GNU format so no pax header ever records a time.
"""
from __future__ import annotations

import bz2
import hashlib
import io
import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from repo.errors import ToolchainError
from repo.fileutil import atomic_writer
from repo.package.limits import PACKAGE_SIZE, binary_size, check_parsable
from repo.package.members import MemberRules
from repo.package.plugininfo import read_plugin_info


def source_date_epoch() -> int:
    """The fixed mtime stamped on every member: ``SOURCE_DATE_EPOCH`` when set, else 0."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "0")
    try:
        return int(value)
    except ValueError:
        raise ToolchainError(f"SOURCE_DATE_EPOCH must be an integer, not {value!r}") from None


def package_filename(plugin_id: str, version: str) -> str:
    return f"{plugin_id}-{version}.tar.bz2"


@dataclass(frozen=True)
class Packed:
    """A package just written, described as it was written (no need to read it back)."""

    path: Path
    info: dict  # its plugin-info
    size: int
    sha1sum: str


def pack(tree: Path, plugin_id: str, dest_dir: Path, mtime: int | None = None) -> Path:
    """Write the package of the plugin built in ``tree`` into ``dest_dir``; return its path (see ``packed``)."""
    return packed(tree, plugin_id, dest_dir, mtime).path


def packed(tree: Path, plugin_id: str, dest_dir: Path, mtime: int | None = None) -> Packed:
    """Write the package of the plugin built in ``tree`` into ``dest_dir``; describe it.

    Its members pass the archive rules every package is read with (repo.package.members)
    as they are written, and its size and SHA-1 are taken from the bytes written: the
    same verdict as reading it back, without decompressing it again. The package appears
    atomically: a failure or a refusal leaves no file behind. It is not synced to disk:
    the build checks a package's SHA-1 before trusting it again (a crash can only cost a
    rebuild) and publishing takes a package as checked only for the bytes described here
    (repo.package.verdicts).
    """
    info_path = tree / "plugin-info"
    if not info_path.is_file() or info_path.is_symlink():  # what reading the package back would say
        raise ToolchainError("no regular file plugin-info in the built plugin", tree)
    check_parsable(f"{plugin_id}/plugin-info", info_path.stat().st_size, tree)
    info = read_plugin_info(info_path)
    dest = dest_dir / package_filename(plugin_id, info["version"])
    stamp = source_date_epoch() if mtime is None else mtime
    size, sha1sum = write_archive(dest, _members(tree, plugin_id, stamp), durable=False, rules=MemberRules(tree))
    return Packed(dest, info, size, sha1sum)


def write_archive(dest: Path, members: Iterable[tuple[tarfile.TarInfo, str | bytes | None]],
                  durable: bool = True, rules: MemberRules | None = None) -> tuple[int, str]:
    """Write a bzip2 tar of (header, content) pairs atomically; content is a file path or bytes.

    ``durable``: synced to disk before it replaces ``dest`` (see atomic_writer). ``rules``:
    judge each member before it is written. Returns the size and SHA-1 of the file.
    """
    with atomic_writer(dest, durable) as raw:
        tally = _Tally(raw, dest)
        with bz2.BZ2File(tally, "wb", compresslevel=9) as compressed:
            with tarfile.open(fileobj=compressed, mode="w|", format=tarfile.GNU_FORMAT) as tar:
                for member, content in members:
                    if rules is not None:
                        rules.add(member)
                    if not member.isreg():
                        tar.addfile(member)
                    elif isinstance(content, bytes):
                        tar.addfile(member, io.BytesIO(content))
                    else:
                        with open(content, "rb") as stream:
                            tar.addfile(member, stream)
                if rules is not None:
                    rules.finish()
    return tally.size, tally.sha1.hexdigest()


class _Tally:
    """A binary file being written, counting and hashing what goes through; bounded by PROVD_MAX_PACKAGE_SIZE."""

    def __init__(self, raw: BinaryIO, where: Path):
        self._raw, self._where, self._max = raw, where, PACKAGE_SIZE()
        self.size, self.sha1 = 0, hashlib.sha1()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self._max:  # a package that could never be read back
            raise ToolchainError(f"is larger than {binary_size(self._max)} ({PACKAGE_SIZE.variable})", self._where)
        self.sha1.update(data)
        return self._raw.write(data)

    def flush(self) -> None:
        self._raw.flush()


def folder_member(name: str, mtime: int) -> tarfile.TarInfo:
    return _member(name, tarfile.DIRTYPE, 0o755, mtime)


def file_member(name: str, size: int, mtime: int, executable: bool = False) -> tarfile.TarInfo:
    member = _member(name, tarfile.REGTYPE, 0o755 if executable else 0o644, mtime)
    member.size = size
    return member


def _members(tree: Path, plugin_id: str, mtime: int):
    """Yield (TarInfo, path) for the top folder and everything below it, depth first, names in byte order."""
    yield folder_member(plugin_id, mtime), None
    yield from _members_below(tree, plugin_id, mtime)


def _members_below(folder: Path, arc_folder: str, mtime: int):
    for entry in sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name)):
        arcname = f"{arc_folder}/{entry.name}"
        status = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(status.st_mode):
            member = _member(arcname, tarfile.SYMTYPE, 0o777, mtime)
            member.linkname = os.readlink(entry.path)
            yield member, None
        elif stat.S_ISDIR(status.st_mode):
            yield folder_member(arcname, mtime), None
            yield from _members_below(Path(entry.path), arcname, mtime)
        elif stat.S_ISREG(status.st_mode):
            yield file_member(arcname, status.st_size, mtime, bool(status.st_mode & 0o111)), entry.path
        else:
            raise ToolchainError("not a regular file, folder or symlink; cannot be packaged", entry.path)


def _member(name: str, kind: bytes, mode: int, mtime: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type = kind
    member.mode = mode
    member.mtime = mtime
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member
