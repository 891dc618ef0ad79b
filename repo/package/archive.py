"""Reading a plugin package safely: what provd would extract, checked before we index it.

provd extracts packages with no member filtering, so every package the toolchain
indexes or publishes, including ones it did not build, passes through here.
"""
from __future__ import annotations

import hashlib
import io
import posixpath
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path

from repo.build.packaging import package_filename
from repo.errors import ToolchainError
from repo.package.plugininfo import parse_plugin_info


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


def inspect_package(path: str | Path, where: str | Path | None = None) -> PackageInfo:
    """Check a package file and return its id and plugin-info; raise ToolchainError if unsafe or invalid.

    Errors name ``where`` (e.g. the URL it was downloaded from), by default the file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ToolchainError(f"cannot read package: {exc.strerror}", path) from None
    return inspect_package_bytes(data, path.name, where if where is not None else path)


def inspect_package_bytes(data: bytes, filename: str, where: str | Path | None = None) -> PackageInfo:
    """Like inspect_package, for a package already in memory (e.g. just downloaded)."""
    where = where if where is not None else filename
    try:
        # One streaming pass: seeking back in a bzip2 stream would decompress it all again.
        members, plugin_infos = [], {}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|bz2") as tar:
            for member in tar:
                members.append(member)
                if member.isreg() and member.name.count("/") == 1 and member.name.endswith("/plugin-info"):
                    plugin_infos[member.name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ToolchainError(f"not a readable bzip2 tar archive ({exc})", where) from None
    plugin_id = _check_members(members, where)
    info_bytes = plugin_infos.get(f"{plugin_id}/plugin-info")
    if info_bytes is None:
        raise ToolchainError(f"no regular file {plugin_id}/plugin-info in the package", where)
    info = parse_plugin_info(info_bytes, f"{where}:{plugin_id}/plugin-info")
    expected = package_filename(plugin_id, info["version"])
    if filename != expected:
        raise ToolchainError(
            f"file name does not match its content: folder {plugin_id!r} and version "
            f"{info['version']!r} make {expected!r}", where)
    return PackageInfo(plugin_id, info, filename, len(data), hashlib.sha1(data).hexdigest())


def check_archive_bytes(data: bytes, where: str | Path) -> list[str]:
    """Check an archive with files at its root (e.g. the DHCP bundle); return its member names.

    The same safety rules as packages, links staying inside the archive.
    """
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:bz2") as tar:
            members = tar.getmembers()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ToolchainError(f"not a readable bzip2 tar archive ({exc})", where) from None
    if not members:
        raise ToolchainError("empty archive", where)
    _check_links(members, None, _check_entries(members, where), where)
    return [m.name for m in members]


def _check_members(members: list[tarfile.TarInfo], where) -> str:
    """Enforce the layout and safety rules; return the single top-level folder name."""
    if not members:
        raise ToolchainError("empty archive", where)
    links = _check_entries(members, where)
    tops = {member.name.split("/")[0] for member in members}
    if len(tops) != 1:
        raise ToolchainError(f"expected exactly one top-level folder, found {', '.join(sorted(tops))}", where)
    top = tops.pop()
    if top in ("", "."):
        raise ToolchainError("the top-level entry must be a folder named after the plugin id", where)
    if any(m.name == top and not m.isdir() for m in members):
        raise ToolchainError(f"top-level entry {top!r} is not a folder", where)
    _check_links(members, top, links, where)
    return top


def _check_entries(members: list[tarfile.TarInfo], where) -> dict[str, str]:
    """Refuse members that are dangerous to extract as root; return the symlinks (name -> target)."""
    names, links = set(), {}
    for member in members:
        name = member.name
        if name.startswith("/"):
            raise ToolchainError(f"absolute member path {name!r}", where)
        if ".." in name.split("/"):
            raise ToolchainError(f"member path {name!r} goes up with '..'", where)
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            raise ToolchainError(f"member {name!r} is a device, fifo or other special file", where)
        if member.mode & (stat.S_ISUID | stat.S_ISGID):
            raise ToolchainError(f"member {name!r} is set-user-ID or set-group-ID (provd extracts as root)", where)
        if name in names:
            raise ToolchainError(f"member {name!r} appears twice (the second would overwrite the first)", where)
        names.add(name)
        if member.issym():
            links[name] = member.linkname
    return links


_MAX_LINK_DEPTH = 40  # as the kernel: deeper means a loop


def _check_links(members: list[tarfile.TarInfo], top: str | None, links: dict[str, str], where) -> None:
    for member in members:
        _check_member_links(member, top, links, where)


def _check_member_links(member: tarfile.TarInfo, top: str | None, links: dict[str, str], where) -> None:
    """Nothing may be written through a symlink, nor link to anything outside ``top`` (None: the archive).

    Targets are followed through the archive's own symlinks, as the file system will
    once provd has extracted it: ``a -> .`` then ``a/b -> ../x`` really points above.
    """
    parts = member.name.split("/")
    for end in range(1, len(parts)):
        if "/".join(parts[:end]) in links:
            raise ToolchainError(f"member {member.name!r} is written through the symlink "
                                 f"{'/'.join(parts[:end])!r}", where)
    if member.issym():
        resolved = _resolve(f"{posixpath.dirname(member.name)}/{member.linkname}", links)
        kind = "symlink"
    elif member.islnk():
        resolved = _resolve(member.linkname, links)
        kind = "hard link"
    else:
        return
    inside = [top] if top else []
    if member.linkname.startswith("/") or resolved is None or resolved[:len(inside)] != inside \
            or kind == "hard link" and resolved == inside:
        raise ToolchainError(f"{kind} {member.name!r} -> {member.linkname!r} points outside the "
                             f"{'plugin folder' if top else 'archive'}", where)


def _resolve(path: str, links: dict[str, str], depth: int = 0) -> list[str] | None:
    """The parts of ``path`` once the archive's symlinks are followed; None if it climbs out of the archive."""
    if depth > _MAX_LINK_DEPTH:
        return None
    resolved: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not resolved:
                return None
            resolved.pop()
            continue
        resolved.append(part)
        target = links.get("/".join(resolved))
        if target is not None:
            if target.startswith("/"):
                return None
            resolved = _resolve("/".join([*resolved[:-1], target]), links, depth + 1)
            if resolved is None:
                return None
    return resolved
