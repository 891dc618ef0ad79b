"""Extended tar headers read only in the form every version of Python's tarfile (provd's reader) agrees on.

tarfile recurses once per extended header (pax, GNU long name or link) before a member,
so a long run of them ends in RecursionError: at most ``EXTENDED_HEADERS`` in a row.
Before Python 3.11.10 / 3.12.6 it also trusted each pax record's length and looked for
``hdrcharset`` anywhere in the header; later versions refuse what earlier ones read, so
a provd on another Python could see other names than the checks did. Each pax header
must therefore be a sequence of exact ``"<length> <key>=<value>\\n"`` records, with no
newline inside a value.
"""
from __future__ import annotations

import re
import tarfile
from typing import BinaryIO

EXTENDED_HEADERS = 4  # a pax header, a GNU long name and a GNU long link name: 3 at most in practice
_LENGTH = re.compile(rb"([1-9][0-9]{0,7}) ")


class TarReader(tarfile.TarFile):
    """A TarFile over a forward-only stream, judging extended headers as they are read."""

    def __init__(self, stream: BinaryIO):
        super().__init__(fileobj=_Checked(stream), mode="r", encoding="utf-8", errors="surrogateescape",
                         tarinfo=_Header)


class _Checked:
    """The stream as tarfile reads it: the read after ``expect_pax(size)`` is a pax header body, checked."""

    def __init__(self, stream: BinaryIO):
        self._stream, self._pax_size = stream, None

    def expect_pax(self, size: int) -> None:
        self._pax_size = size

    def read(self, size: int) -> bytes:
        data = self._stream.read(size)
        if self._pax_size is not None:
            body, self._pax_size = data[:self._pax_size], None
            if not _canonical(body):
                raise tarfile.HeaderError("a pax header is not in canonical form (length, key=value, newline)")
        return data

    def seek(self, position: int, whence: int = 0) -> int:
        return self._stream.seek(position, whence)

    def tell(self) -> int:
        return self._stream.tell()


def _canonical(body: bytes) -> bool:
    position = 0
    while position < len(body):
        length = _LENGTH.match(body, position)
        end = position + int(length[1]) if length else 0
        if end > len(body) or body[end - 1:end] != b"\n" or b"=" not in body[length.end():end] \
                or b"\n" in body[length.end():end - 1]:
            return False
        position = end
    return True


class _Header(tarfile.TarInfo):
    @classmethod
    def fromtarfile(cls, tar: tarfile.TarFile) -> tarfile.TarInfo:
        run = getattr(tar, "_extended_run", 0)
        if run > EXTENDED_HEADERS:
            raise tarfile.HeaderError(f"more than {EXTENDED_HEADERS} extended headers in a row")
        tar._extended_run = run + 1  # fromtarfile recurses for each extended header
        try:
            return super().fromtarfile(tar)
        finally:
            tar._extended_run = run

    def _proc_pax(self, tar: tarfile.TarFile) -> tarfile.TarInfo:
        tar.fileobj.expect_pax(self.size)  # the body is the next read
        return super()._proc_pax(tar)
