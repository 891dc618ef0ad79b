"""Where a repository's files live: the small interface both backends (local, S3) implement.

Keys are ``/``-separated paths relative to the repository root (``dev/plugins.db``).
Writes of whole files are atomic and verified; ``put_if`` is the compare-and-swap that
index updates are built on. Nothing is read without a bound: ``get`` and ``read`` take
at most ``limit`` bytes into memory, ``download`` streams at most ``limit`` bytes into
a file; one byte more and the file is refused (TooLarge), whatever it claims to be.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO, Callable, Protocol

from repo.errors import ToolchainError

# Called with the number of bytes sent so far (it may go back to 0 when a transfer is retried).
OnBytes = Callable[[int], None]
SMALL_FILE_LIMIT = 64 << 20  # what ``get`` reads by default: indexes, pages, claims are far smaller
CHUNK = 1 << 20


@dataclass(frozen=True)
class Stat:
    """What identifies a file's content: its size and SHA-1 (lowercase hex)."""

    size: int
    sha1: str

    @classmethod
    def of(cls, data: bytes) -> "Stat":
        return cls(len(data), hashlib.sha1(data).hexdigest())


@dataclass(frozen=True)
class Tagged:
    """A file's content and the version tag to hand back to ``put_if``."""

    data: bytes
    tag: str


class Conflict(Exception):
    """A conditional write lost: the file changed (or appeared) since it was read."""


class TooLarge(ToolchainError):
    """A file holds more bytes than the reader allowed; nothing beyond the limit was read."""


class VerificationFailed(ToolchainError):
    """The file read back after a write is not what was written (damaged, or replaced meanwhile)."""


class Storage(Protocol):
    def url(self, key: str = "") -> str:
        """Where ``key`` lives, for messages (never with credentials)."""

    def get(self, key: str, limit: int = SMALL_FILE_LIMIT) -> bytes | None:
        """The file's content, or None when there is no such file; TooLarge beyond ``limit`` bytes."""

    def read(self, key: str, limit: int = SMALL_FILE_LIMIT) -> Tagged | None:
        """The file's content with its version tag, or None when there is no such file; TooLarge beyond ``limit``."""

    def download(self, key: str, out: BinaryIO, limit: int) -> bool:
        """Stream the file into ``out``; False when there is no such file; TooLarge beyond ``limit`` bytes."""

    def put_if(self, key: str, data: bytes, tag: str | None) -> None:
        """Write ``data`` only if the file is still at version ``tag`` (None: only if absent), else Conflict."""

    def put(self, key: str, data: bytes, on_bytes: OnBytes | None = None) -> None:
        """Replace the file with ``data`` atomically; raise ToolchainError unless the stored file checks out."""

    def copy(self, source: str, key: str, expected: Stat) -> None:
        """Copy a file inside the repository (server-side where possible); verify it against ``expected``."""

    def stat(self, key: str) -> Stat | None:
        """Size and SHA-1 of the file, or None when there is no such file."""

    def delete(self, key: str) -> None:
        """Remove the file if it exists."""

    def list(self, folder: str) -> list[str]:
        """Names of the files directly in ``folder`` (hidden ones left out)."""


def check_stored(storage: Storage, key: str, expected: Stat) -> None:
    """Raise unless the file now at ``key`` has the expected size and SHA-1."""
    found = storage.stat(key)
    if found != expected:
        what = "is missing" if found is None else f"has {found.size} bytes, sha1 {found.sha1}"
        raise VerificationFailed(f"verification failed: expected {expected.size} bytes, sha1 {expected.sha1}, "
                             f"but the stored file {what}", storage.url(key))


def too_large(limit: int, where: str) -> TooLarge:
    return TooLarge(f"larger than the {limit} bytes allowed here", where)


class Digesting:
    """A writable file that also counts and hashes what goes through it (and reports the count)."""

    def __init__(self, out: BinaryIO | None = None, on_bytes: OnBytes | None = None):
        self.out, self.on_bytes, self.size, self._sha1 = out, on_bytes, 0, hashlib.sha1()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self._sha1.update(data)
        if self.on_bytes:
            self.on_bytes(self.size)
        return self.out.write(data) if self.out is not None else len(data)

    @property
    def stat(self) -> Stat:
        return Stat(self.size, self._sha1.hexdigest())


def download_verified(storage: Storage, key: str, out: BinaryIO | None, expected: Stat) -> None:
    """Stream a file into ``out``, reading no more than ``expected.size`` (+1) bytes; raise unless it is ``expected``.

    ``out`` then holds unverified bytes when this raises: write it somewhere temporary.
    ``out`` None: only verify it.
    """
    digesting = Digesting(out)
    try:
        found = storage.download(key, digesting, expected.size)
    except TooLarge:
        raise ToolchainError(f"larger than the {expected.size} bytes its index entry announces; not downloaded",
                             storage.url(key)) from None
    if not found:
        raise ToolchainError("missing, although its index names it", storage.url(key))
    if digesting.stat != expected:
        raise ToolchainError(f"does not match its index entry ({digesting.size} bytes, sha1 {digesting.stat.sha1}; "
                             f"index: {expected.size} bytes, sha1 {expected.sha1})", storage.url(key))
