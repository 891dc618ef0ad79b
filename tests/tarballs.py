"""Crafting package archives member by member, hostile ones included, with tarfile."""
from __future__ import annotations

import bz2
import functools
import io
import json
import tarfile

from tests.conftest import ENTRY_PY

PLUGIN_ID = "acme-1.0"
FILENAME = "acme-1.0-0.3.tar.bz2"
INFO = json.dumps({"version": "0.3", "description": "d", "capabilities": {"Acme, P1, *": {"lines": 1}}}).encode()

Member = tuple[tarfile.TarInfo, bytes]


def member(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", linkname: str = "",
           mode: int = 0o644, size: int | None = None) -> Member:
    """One archive member; ``size`` overrides the header's size (for members whose data is added raw)."""
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, mode
    if kind == tarfile.REGTYPE:
        info.size = len(data) if size is None else size
    return info, data


def plugin_members(top: str = PLUGIN_ID, info: bytes = INFO, entry: bytes = ENTRY_PY.encode()) -> list[Member]:
    return [member(top, tarfile.DIRTYPE, mode=0o755), member(f"{top}/plugin-info", data=info),
            member(f"{top}/entry.py", data=entry)]


def tar_bytes(members: list[Member], format: int = tarfile.GNU_FORMAT) -> bytes:
    """The uncompressed tar of ``members``, end-of-archive blocks included."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=format) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def tarball(members: list[Member], format: int = tarfile.GNU_FORMAT) -> bytes:
    return bz2.compress(tar_bytes(members, format))


def header(info: tarfile.TarInfo, format: int = tarfile.GNU_FORMAT) -> bytes:
    """A member's header blocks alone: its data is added by the caller."""
    return info.tobuf(format, tarfile.ENCODING, "surrogateescape")


def members_bytes(members: list[Member]) -> bytes:
    """Members as a tar stream with no end-of-archive blocks: more can follow."""
    return b"".join(header(info) + data + bytes(-len(data) % tarfile.BLOCKSIZE) for info, data in members)


# Packages as concatenated bzip2 streams (read as one, like provd does): a member of
# gigabytes of zeros costs ~80 bytes per 64 MiB, and is never held in memory.
ZEROS_CHUNK = 64 << 20


@functools.cache
def compressed_zeros(size: int) -> bytes:
    return bz2.compress(bytes(size))


def streamed_member(name: str, size: int, content: bytes | None = None) -> bytes:
    """Member ``name`` of ``size`` bytes: ``content``, or zeros."""
    streams = [bz2.compress(header(member(name, size=size)[0]))]
    if content is not None:
        streams.append(bz2.compress(content))
    else:
        full, rest = divmod(size, ZEROS_CHUNK)
        streams += [compressed_zeros(ZEROS_CHUNK)] * full + [compressed_zeros(rest)] * bool(rest)
    streams.append(compressed_zeros(-size % tarfile.BLOCKSIZE))
    return b"".join(streams)


def streamed_package(*members: bytes, after_end: bytes = b"") -> bytes:
    """The least plugin package, then ``members`` (from streamed_member), the end blocks, then ``after_end``."""
    return (bz2.compress(members_bytes(plugin_members())) + b"".join(members)
            + compressed_zeros(2 * tarfile.BLOCKSIZE) + after_end)
