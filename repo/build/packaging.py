"""Turning a built plugin tree into a reproducible ``<id>-<version>.tar.bz2`` package.

Same tree, same bytes, whatever the machine, user, umask or checkout time: members are
sorted, all carry one mtime, uid/gid 0 with empty owner names, modes normalised to
0644/0755 (0777 for symlinks), GNU format so no pax header ever records a time.
"""
from __future__ import annotations

import bz2
import io
import os
import stat
import tarfile
from pathlib import Path
from typing import Iterable

from repo.errors import ToolchainError
from repo.fileutil import atomic_writer
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


def pack(tree: Path, plugin_id: str, dest_dir: Path, mtime: int | None = None) -> Path:
    """Write the package of the plugin built in ``tree`` into ``dest_dir``; return its path.

    The package appears atomically: a failure leaves no file behind. It is not synced to
    disk: the build checks a package's SHA-1 before trusting it again (a crash can only
    cost a rebuild) and publishing reads every package through the safety checks.
    """
    info = read_plugin_info(tree / "plugin-info")
    dest = dest_dir / package_filename(plugin_id, info["version"])
    stamp = source_date_epoch() if mtime is None else mtime
    write_archive(dest, _members(tree, plugin_id, stamp), durable=False)
    return dest


def write_archive(dest: Path, members: Iterable[tuple[tarfile.TarInfo, str | bytes | None]],
                  durable: bool = True) -> None:
    """Write a bzip2 tar of (header, content) pairs atomically; content is a file path or bytes.

    ``durable``: synced to disk before it replaces ``dest`` (see atomic_writer).
    """
    with atomic_writer(dest, durable) as raw:
        with bz2.BZ2File(raw, "wb", compresslevel=9) as compressed:
            with tarfile.open(fileobj=compressed, mode="w|", format=tarfile.GNU_FORMAT) as tar:
                for member, content in members:
                    if not member.isreg():
                        tar.addfile(member)
                    elif isinstance(content, bytes):
                        tar.addfile(member, io.BytesIO(content))
                    else:
                        with open(content, "rb") as stream:
                            tar.addfile(member, stream)


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
