"""Where a repository's files live: the small interface both backends (local, S3) implement.

Keys are ``/``-separated paths relative to the repository root (``dev/plugins.db``).
Writes of whole files are atomic and verified; ``put_if`` is the compare-and-swap that
index updates are built on.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

from repo.errors import ToolchainError

# Called with the number of bytes sent so far (it may go back to 0 when a transfer is retried).
OnBytes = Callable[[int], None]


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


class VerificationFailed(ToolchainError):
    """The file read back after a write is not what was written (damaged, or replaced meanwhile)."""


class Storage(Protocol):
    def url(self, key: str = "") -> str:
        """Where ``key`` lives, for messages (never with credentials)."""

    def get(self, key: str) -> bytes | None:
        """The file's content, or None when there is no such file."""

    def read(self, key: str) -> Tagged | None:
        """The file's content with its version tag, or None when there is no such file."""

    def chunks(self, key: str) -> Iterator[bytes]:
        """The file's content in pieces as they arrive, for files too big to hold (ToolchainError if absent)."""

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
