"""Reading a plugin package safely: what provd would extract, checked before we index it.

provd extracts packages with no member filtering, so every package the toolchain
indexes or publishes, including ones it did not build, passes through here.
"""
from __future__ import annotations

import hashlib
import io
import posixpath
import tarfile
from dataclasses import dataclass
from pathlib import Path

from repo.errors import ToolchainError
from repo.packaging import package_filename
from repo.plugininfo import parse_plugin_info


@dataclass(frozen=True)
class PackageInfo:
    """What the index needs to know about one package file."""

    plugin_id: str
    info: dict
    filename: str
    dsize: int
    sha1sum: str

    @property
    def version(self) -> str:
        return self.info["version"]


def inspect_package(path: str | Path) -> PackageInfo:
    """Check a package file and return its id and plugin-info; raise ToolchainError if unsafe or invalid."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ToolchainError(f"cannot read package: {exc.strerror}", path) from None
    return inspect_package_bytes(data, path.name, path)


def inspect_package_bytes(data: bytes, filename: str, where: str | Path | None = None) -> PackageInfo:
    """Like inspect_package, for a package already in memory (e.g. just downloaded)."""
    where = where if where is not None else filename
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:bz2") as tar:
            members = tar.getmembers()
            plugin_id = _check_members(members, where)
            info_member = next((m for m in members if m.name == f"{plugin_id}/plugin-info"), None)
            if info_member is None or not info_member.isreg():
                raise ToolchainError(f"no regular file {plugin_id}/plugin-info in the package", where)
            info_bytes = tar.extractfile(info_member).read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ToolchainError(f"not a readable bzip2 tar archive ({exc})", where) from None
    info = parse_plugin_info(info_bytes, f"{where}:{plugin_id}/plugin-info")
    expected = package_filename(plugin_id, info["version"])
    if filename != expected:
        raise ToolchainError(
            f"file name does not match its content: folder {plugin_id!r} and version "
            f"{info['version']!r} make {expected!r}", where)
    return PackageInfo(plugin_id, info, filename, len(data), hashlib.sha1(data).hexdigest())


def _check_members(members: list[tarfile.TarInfo], where) -> str:
    """Enforce the layout and safety rules; return the single top-level folder name."""
    if not members:
        raise ToolchainError("empty archive", where)
    tops = set()
    for member in members:
        name = member.name
        parts = name.split("/")
        if name.startswith("/"):
            raise ToolchainError(f"absolute member path {name!r}", where)
        if ".." in parts:
            raise ToolchainError(f"member path {name!r} goes up with '..'", where)
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            raise ToolchainError(f"member {name!r} is a device, fifo or other special file", where)
        tops.add(parts[0])
        if member.issym():
            _check_link_target(name, posixpath.join(posixpath.dirname(name), member.linkname),
                               member.linkname, "symlink", where)
        elif member.islnk():
            _check_link_target(name, member.linkname, member.linkname, "hard link", where)
    if len(tops) != 1:
        raise ToolchainError(f"expected exactly one top-level folder, found {', '.join(sorted(tops))}", where)
    top = tops.pop()
    if top in ("", "."):
        raise ToolchainError("the top-level entry must be a folder named after the plugin id", where)
    if any(m.name == top and not m.isdir() for m in members):
        raise ToolchainError(f"top-level entry {top!r} is not a folder", where)
    return top


def _check_link_target(name: str, resolved: str, target: str, kind: str, where) -> None:
    top = name.split("/")[0]
    normal = posixpath.normpath(resolved)
    if target.startswith("/") or normal.split("/")[0] != top or normal == top and kind == "hard link":
        raise ToolchainError(f"{kind} {name!r} -> {target!r} points outside the plugin folder", where)
