"""A package file as a forward-only stream of tar bytes: decompressed as it is read, bounded, hashed.

Linear time and constant memory whatever the compression ratio: the decompressor is
asked for no more than the reader wants (a 64 MiB run of zeros is ~80 bytes of bzip2,
and is never held in memory at once). Concatenated bzip2 streams are read as one, as
provd's ``tarfile.open`` (``bz2.BZ2File``) does.
"""
from __future__ import annotations

import bz2
import hashlib
from pathlib import Path
from typing import BinaryIO

from repo.errors import ToolchainError
from repo.package.limits import EXPANDED_SIZE, HEADER_SIZE, PACKAGE_SIZE, binary_size

RAW_CHUNK = 64 * 1024
READ_CHUNK = 64 * 1024  # what callers should read at a time; larger reads are extended tar headers


class UnreadableStream(Exception):
    """The bytes are not bzip2 (or end early): reported by the caller with what it was reading."""


class PackageStream:
    """Reads the decompressed bytes of ``raw``; ``size`` and ``sha1`` describe the raw bytes read so far.

    Refuses (ToolchainError naming ``where``) more raw bytes than ``dsize`` (when given) or
    than PROVD_MAX_PACKAGE_SIZE, more decompressed bytes than PROVD_MAX_EXPANDED_SIZE, and
    any single read above the largest extended tar header. Seeks go forward only.
    """

    def __init__(self, raw: BinaryIO, where: str | Path, dsize: int | None = None):
        self._raw, self._where, self._dsize = raw, where, dsize
        self._max_raw = dsize if dsize is not None else PACKAGE_SIZE()
        self._max_expanded = EXPANDED_SIZE()
        self._decompressor = bz2.BZ2Decompressor()
        self._position = 0  # decompressed bytes consumed
        self._raw_done = False
        self.size = 0
        self.sha1 = hashlib.sha1()

    def tell(self) -> int:
        return self._position

    def read(self, size: int) -> bytes:
        if size > max(HEADER_SIZE, READ_CHUNK):
            raise ToolchainError(f"extended tar header of {binary_size(size)} (at most {binary_size(HEADER_SIZE)})",
                                 self._where)
        parts, wanted = [], size
        while wanted > 0:
            data = self._decompress(wanted)
            if not data:
                break
            parts.append(data)
            wanted -= len(data)
        data = b"".join(parts)
        self._position += len(data)
        if self._position > self._max_expanded:
            raise ToolchainError(f"expands to more than {binary_size(self._max_expanded)} "
                                 f"({EXPANDED_SIZE.variable})", self._where)
        return data

    def seek(self, position: int, whence: int = 0) -> int:
        if whence != 0 or position < self._position:
            raise UnreadableStream("the tar reader seeks backwards")
        while self._position < position and self.read(min(READ_CHUNK, position - self._position)):
            pass
        return self._position

    def finish(self) -> None:
        """Check the raw size against ``dsize`` once everything has been read."""
        if self._dsize is not None and self.size < self._dsize:
            raise ToolchainError(f"smaller than the {self._dsize} bytes its index entry says ({self.size} bytes)",
                                 self._where)

    def _decompress(self, wanted: int) -> bytes:
        """Up to ``wanted`` decompressed bytes; b"" at the end of the last bzip2 stream."""
        while True:
            if self._decompressor.eof:
                rest = self._decompressor.unused_data or self._read_raw()
                if not rest:
                    return b""
                self._decompressor = bz2.BZ2Decompressor()  # the next concatenated stream
                data = self._feed(rest, wanted)
            elif self._decompressor.needs_input:
                raw = self._read_raw()
                if not raw:
                    raise UnreadableStream("the bzip2 stream is truncated")
                data = self._feed(raw, wanted)
            else:
                data = self._feed(b"", wanted)
            if data:
                return data

    def _feed(self, raw: bytes, wanted: int) -> bytes:
        try:
            return self._decompressor.decompress(raw, max_length=wanted)
        except OSError as exc:
            raise UnreadableStream(str(exc)) from None

    def _read_raw(self) -> bytes:
        if self._raw_done:
            return b""
        raw = self._raw.read(RAW_CHUNK)
        if not raw:
            self._raw_done = True
            return b""
        self.size += len(raw)
        if self.size > self._max_raw:
            if self._dsize is not None:
                raise ToolchainError(f"larger than the {self._dsize} bytes its index entry says", self._where)
            raise ToolchainError(f"is larger than {binary_size(self._max_raw)} ({PACKAGE_SIZE.variable})",
                                 self._where)
        self.sha1.update(raw)
        return raw
