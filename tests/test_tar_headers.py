"""Tar headers that Python's tarfile parses oddly: refused in one line, never a traceback.

provd reads packages with the same tarfile module, so these are about what it would do
with them: chains of extended headers make tarfile recurse once per header (thousands
in a few hundred bytes of bzip2: a RecursionError), a pax record whose length does not
fit a machine integer overflows, and a negative size (pax ``size=-1`` or a base-256
size field) makes extraction write the bytes that follow the header into the file,
content the checks never saw; a modification time or owner out of range stops provd's
extraction half-way.
"""
from __future__ import annotations

import bz2
import sys
import tarfile

import pytest

from repo.errors import ToolchainError
from repo.package.checks import inspect_package_bytes
from tests.tarballs import (
    FILENAME,
    PLUGIN_ID,
    header,
    member,
    members_bytes,
    plugin_members,
    tarball,
)

P = PLUGIN_ID
END = bytes(2 * tarfile.BLOCKSIZE)


def extended(records: list[bytes], kind: bytes = tarfile.XHDTYPE) -> bytes:
    """A pax extended header block holding ``records`` (``b"<length> key=value\\n"``)."""
    info = tarfile.TarInfo("pax")
    info.type, body = kind, b"".join(records)
    info.size = len(body)
    return header(info, tarfile.USTAR_FORMAT) + body + bytes(-len(body) % tarfile.BLOCKSIZE)


def record(key: str, value: bytes) -> bytes:
    text = key.encode() + b"=" + value + b"\n"
    length = len(text) + 2
    while len(str(length)) + 1 + len(text) != length:
        length += 1
    return str(length).encode() + b" " + text


def long_name(name: str) -> bytes:
    info = tarfile.TarInfo("././@LongLink")
    data = name.encode() + b"\0"
    info.type, info.size = tarfile.GNUTYPE_LONGNAME, len(data)
    return header(info, tarfile.USTAR_FORMAT) + data + bytes(-len(data) % tarfile.BLOCKSIZE)


def package(*blocks: bytes) -> bytes:
    """The least valid plugin, then raw tar ``blocks``, then a last small member and the end."""
    return bz2.compress(members_bytes(plugin_members()) + b"".join(blocks)
                        + members_bytes([member(f"{P}/last", data=b"z")]) + END)


def base256(name: str, field: slice, value: int) -> bytes:
    """The header of a regular file whose numeric ``field`` holds ``value`` in base-256."""
    block = bytearray(header(member(name)[0]))
    width = field.stop - field.start
    block[field] = bytes([0xFF if value < 0 else 0x80]) + (value % (1 << 8 * (width - 1))).to_bytes(width - 1, "big")
    block[148:156] = b"%06o\0 " % tarfile.calc_chksums(bytes(block))[0]
    return bytes(block)


def negative_size(name: str) -> bytes:
    """The header of a regular file whose size field is -1 in base-256."""
    return base256(name, slice(124, 136), -1)


CHAIN = sys.getrecursionlimit() * 2
CASES = {
    "pax headers in a row": ([extended([record("comment", b"a")])] * CHAIN, "extended headers in a row"),
    "global pax headers in a row": ([extended([record("comment", b"a")], tarfile.XGLTYPE)] * CHAIN,
                                    "extended headers in a row"),
    "GNU long names in a row": ([long_name(f"{P}/x")] * CHAIN, "extended headers in a row"),
    "pax record length beyond any integer": ([extended([b"9" * 30 + b" path=a\n"])], "not a readable"),
    # Python's tarfile before 3.11.10 / 3.12.6 trusts a record's length and finds hdrcharset anywhere;
    # later ones refuse such headers: only records in the one canonical form mean the same to every provd.
    "pax record length too short": ([extended([b"10 path=acme-1.0/evil\n"])], "not in canonical form"),
    "pax record length too long": ([extended([b"40 path=x\n" + b"30 comment=" + b"a" * 18 + b"\n"])],
                                   "not in canonical form"),
    "pax hdrcharset inside a value": ([extended([record("comment", b"x\n17 hdrcharset=BINARY")])],
                                      "not in canonical form"),
    "pax record without '='": ([extended([b"9 pathxx\n"])], "not in canonical form"),
    # Fields extraction applies with os.utime and os.chown, which raise (not OSError: tarfile does not
    # catch it) on values out of range: provd's extraction would stop half-way, the plugin half-written.
    "pax mtime infinite": ([extended([record("mtime", b"1" * 400)]), header(member(f"{P}/e")[0])],
                           "modification time"),
    "pax mtime NaN": ([extended([record("mtime", b"nan")]), header(member(f"{P}/e")[0])], "modification time"),
    "pax mtime 1e20": ([extended([record("mtime", b"1" + b"0" * 20)]), header(member(f"{P}/e")[0])],
                       "modification time"),
    "pax uid 2**32": ([extended([record("uid", b"4294967296")]), header(member(f"{P}/e")[0])], "owner"),
    "pax gid -2": ([extended([record("gid", b"-2")]), header(member(f"{P}/e")[0])], "owner"),
    "base-256 mode 2**40": ([base256(f"{P}/e", slice(100, 108), 1 << 40)], "mode"),
    "pax size=-1": ([extended([record("size", b"-1")]), header(member(f"{P}/e")[0])], "negative size"),
    "base-256 size -1": ([negative_size(f"{P}/entry2.py")], "negative size"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_odd_tar_headers_are_refused_in_one_line(case):
    blocks, message = CASES[case]
    data = package(*blocks)
    assert len(data) < 4096  # a few hundred bytes on the wire
    with pytest.raises(ToolchainError) as caught:
        inspect_package_bytes(data, FILENAME)
    assert message in str(caught.value) and str(caught.value).startswith(f"{FILENAME}: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("format", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT], ids=["gnu", "pax"])
def test_long_names_and_link_targets_stored_in_extended_headers_are_accepted(format):
    """GNU tar writes a long name and a long link target as two extended headers in a row; pax as one."""
    folder = "/".join(["folder"] * 20)
    members = plugin_members() + [member(f"{P}/{folder}", tarfile.DIRTYPE, mode=0o755),
                                  member(f"{P}/{folder}/{'f' * 120}", data=b"x"),
                                  member(f"{P}/{'l' * 120}", tarfile.SYMTYPE, linkname=f"{folder}/{'f' * 120}")]
    package = inspect_package_bytes(tarball(members, format), FILENAME)
    assert package.plugin_id == P
