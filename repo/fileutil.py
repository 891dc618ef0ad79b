"""Small file helpers: atomic writes and content digests."""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from repo.errors import ToolchainError

_CHUNK = 1 << 20


@contextlib.contextmanager
def atomic_writer(dest: str | os.PathLike, durable: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``dest`` only once fully written; on error nothing changes.

    ``durable``: on disk before it replaces ``dest`` (fsync). Files that are checked by
    content when next used, and can be made again, can skip the wait.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            if durable:
                out.flush()
                os.fsync(out.fileno())
        # mkstemp creates 0600; published files must be world-readable like any other.
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(dest: str | os.PathLike, data: bytes) -> None:
    with atomic_writer(dest) as out:
        out.write(data)


def sha1_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def has_bytes(path: Path, size: int, sha1: str) -> bool:
    """Whether ``path`` is a regular file of ``size`` bytes with SHA-1 ``sha1`` (the size first: cheap)."""
    return path.is_file() and path.stat().st_size == size and sha1_file(path) == sha1


def read_file(path: str | os.PathLike) -> bytes:
    """A file's bytes, or a ToolchainError naming it."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ToolchainError(f"cannot read: {exc.strerror}", path) from None
