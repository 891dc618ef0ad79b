"""Reading a plugin package safely: what provd would extract, checked before we index it.

provd extracts packages as root with plain ``tarfile.extractall`` and no member
filtering, so every package the toolchain indexes or publishes, including ones it did
not build, passes through here: one streaming pass, bounded (``repo.package.limits``),
each member judged by ``repo.package.members`` as it comes. ``repo.package.checks``
adds the built-plugin rules for packages not built here.
"""
from __future__ import annotations

import contextlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from repo.build.packaging import package_filename
from repo.errors import ToolchainError
from repo.package.limits import check_parsable
from repo.package.members import MemberRules
from repo.package.plugininfo import parse_plugin_info
from repo.package.scratch import ScratchCopy
from repo.package.stream import READ_CHUNK, PackageStream, UnreadableStream
from repo.package.tarheaders import TarReader

PLUGIN_INFO = "plugin-info"


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


def read_package(raw: BinaryIO, filename: str, where: str | Path, dsize: int | None = None,
                 copy: ScratchCopy | None = None) -> PackageInfo:
    """Check the package read from ``raw`` (named ``filename``) and return its id and plugin-info.

    ``dsize``: the size its index entry gives, if any. ``copy``: where to copy the
    members for checks that read files. Raises a ToolchainError naming ``where``.
    """
    stream, rules = PackageStream(raw, where, dsize), MemberRules(where)
    info_bytes = None
    with _readable(where):
        for member, tar in _accepted_members(stream, rules, where):
            content = _content(tar, member) if member.isreg() else iter(())
            if member.isreg() and member.name == f"{rules.top}/{PLUGIN_INFO}":
                check_parsable(member.name, member.size, where)
                info_bytes = b"".join(content)
                content = iter((info_bytes,))
            if copy is not None:
                copy.add(member, content)
    top = rules.finish()
    if info_bytes is None:
        raise ToolchainError(f"no regular file {top}/{PLUGIN_INFO} in the package", where)
    info = parse_plugin_info(info_bytes, f"{where}:{top}/{PLUGIN_INFO}")
    expected = package_filename(top, info["version"])
    if filename != expected:
        raise ToolchainError(
            f"file name does not match its content: folder {top!r} and version "
            f"{info['version']!r} make {expected!r}", where)
    return PackageInfo(top, info, filename, stream.size, stream.sha1.hexdigest())


def check_archive_bytes(data: bytes, where: str | Path) -> list[str]:
    """Check an archive with files at its root (e.g. the DHCP bundle); return its member names.

    The same safety rules and bounds as packages, links staying inside the archive.
    """
    stream, rules = PackageStream(io.BytesIO(data), where), MemberRules(where, single_top=False)
    with _readable(where):
        names = [member.name for member, _ in _accepted_members(stream, rules, where)]
    rules.finish()
    return names


def _accepted_members(stream: PackageStream, rules: MemberRules,
                      where: str | Path) -> Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]:
    """Each member as ``rules`` accepts it; then the end of the archive, which must hold only zeros."""
    with TarReader(stream) as tar:
        for member in tar:
            rules.add(member)
            yield member, tar
    while chunk := stream.read(READ_CHUNK):
        if chunk.count(0) != len(chunk):
            raise ToolchainError("data after the end of the archive (provd would not extract it)", where)
    stream.finish()


def _content(tar: tarfile.TarFile, member: tarfile.TarInfo) -> Iterator[bytes]:
    file = tar.extractfile(member)
    while chunk := file.read(READ_CHUNK):
        yield chunk


@contextlib.contextmanager
def _readable(where: str | Path):
    try:
        yield
    except (tarfile.TarError, EOFError, UnreadableStream, OverflowError) as exc:  # overflow: a pax record length
        raise ToolchainError(f"not a readable bzip2 tar archive ({exc})", where) from None
    except OSError as exc:
        raise ToolchainError(f"cannot read package: {exc.strerror or exc}", where) from None
