"""A repository in a local folder, safe between processes without any lock.

Packages and other plain files are written to a temporary file next to their
destination, checked, and renamed over it: readers see the old file or the new one.

A file written with ``put_if`` (an index) keeps its history in a hidden folder beside
it: ``dev/.plugins.db.generations/1``, ``2``, ... Generations are never modified. The
version tag of the file is its latest generation number, and the compare-and-swap is
creating the next generation with ``os.link``, which fails if that name exists: of two
writers that read generation 7, exactly one creates 8; the other gets a Conflict,
re-reads and retries. The served file (``dev/plugins.db``) is then made a hard link of
the newest generation by an atomic rename, and every writer re-checks after renaming
that it still serves the newest one, so the last rename always installs the newest
generation. A reader that finds the served file behind (a writer killed between its
link and its rename) brings it up to date. Only the last few generations are kept; a
writer whose next number was pruned away sees a newer generation and backs off.
A served file written by something else (no generations yet) counts as generation 0.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from repo.errors import ToolchainError
from repo.fileutil import atomic_writer
from repo.publish.storage import (
    CHUNK,
    SMALL_FILE_LIMIT,
    Conflict,
    Digesting,
    OnBytes,
    Stat,
    Tagged,
    TooLarge,
    check_stored,
    too_large,
)

KEEP_GENERATIONS = 10


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).absolute()

    def url(self, key: str = "") -> str:
        return str(self._path(key)) if key else str(self.root)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if key.startswith("/") or "\0" in key or any(p in ("", ".", "..") for p in parts):
            raise ToolchainError(f"invalid repository key {key!r}")
        return self.root.joinpath(*parts)

    # --- plain files ------------------------------------------------------------------

    def get(self, key: str, limit: int = SMALL_FILE_LIMIT) -> bytes | None:
        return _read_at_most(self._path(key), limit)

    def download(self, key: str, out: BinaryIO, limit: int) -> bool:
        return _download(self._path(key), out, limit)

    def put(self, key: str, data: bytes, on_bytes: OnBytes | None = None) -> None:
        path = self._path(key)
        with _writing(path), atomic_writer(path) as out:
            for start in range(0, len(data), CHUNK):
                out.write(data[start:start + CHUNK])
                if on_bytes:
                    on_bytes(min(start + CHUNK, len(data)))
        check_stored(self, key, Stat.of(data))

    def copy(self, source: str, key: str, expected: Stat) -> None:
        path = self._path(key)
        with _writing(path), atomic_writer(path) as out:
            copied = Digesting(out)
            try:
                found = self.download(source, copied, expected.size)
            except TooLarge:
                found, copied = True, None
            if not found:
                raise ToolchainError("no such file to copy", self._path(source))
            if copied is None or copied.stat != expected:
                raise ToolchainError(f"changed since it was checked (expected sha1 {expected.sha1})",
                                     self._path(source))
        check_stored(self, key, expected)

    def stat(self, key: str) -> Stat | None:
        path = self._path(key)
        try:
            with _open_regular(path) as source:
                digest = hashlib.sha1()
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                return Stat(os.fstat(source.fileno()).st_size, digest.hexdigest())
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ToolchainError(f"cannot read: {exc.strerror}", path) from None

    def delete(self, key: str) -> None:
        with _writing(self._path(key)):
            self._path(key).unlink(missing_ok=True)

    def list(self, folder: str) -> list[str]:
        try:
            entries = list(os.scandir(self._path(folder)))
        except FileNotFoundError:
            return []
        # Every entry but folders: a fifo or a link found here is then refused by stat, not passed over.
        return sorted(e.name for e in entries if not e.is_dir(follow_symlinks=False) and not e.name.startswith("."))

    # --- files written by compare-and-swap --------------------------------------------

    def read(self, key: str, limit: int = SMALL_FILE_LIMIT) -> Tagged | None:
        path = self._path(key)
        generations = _Generations(path)
        while True:
            latest = generations.latest()
            if latest is None:
                data = self.get(key, limit)
                return None if data is None else Tagged(data, "0")
            data = _read_at_most(generations.path(latest), limit)
            if data is None:
                continue  # pruned between listing and reading: look again
            with contextlib.suppress(OSError):  # a read-only repository is still readable
                generations.serve_latest()
            return Tagged(data, str(latest))

    def put_if(self, key: str, data: bytes, tag: str | None) -> None:
        path = self._path(key)
        generations = _Generations(path)
        if tag is None:
            if generations.latest() is not None or path.exists():
                raise Conflict(key)
            number = 1
        else:
            number = int(tag) + 1
        with _writing(path):
            generations.create(number, data)
            generations.serve_latest()
            generations.prune(number - KEEP_GENERATIONS)


class _Generations:
    """The numbered, never-modified versions of one file, and the served copy of the newest."""

    def __init__(self, served: Path):
        self.served = served
        self.folder = served.parent / f".{served.name}.generations"

    def path(self, number: int) -> Path:
        return self.folder / str(number)

    def numbers(self) -> list[int]:
        try:
            return sorted(int(name) for name in os.listdir(self.folder) if name.isdigit())
        except FileNotFoundError:
            return []

    def latest(self) -> int | None:
        numbers = self.numbers()
        return numbers[-1] if numbers else None

    def create(self, number: int, data: bytes) -> None:
        """The compare-and-swap: generation ``number`` appears with ``data`` or Conflict is raised."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _temporary_copy(self.folder, data) as temporary:
            try:
                os.link(temporary, self.path(number))
            except FileExistsError:
                raise Conflict(str(self.served)) from None
        if self.latest() != number:
            # Our predecessor had been pruned, so the name was free, but newer generations exist.
            self.path(number).unlink(missing_ok=True)
            raise Conflict(str(self.served))

    def serve_latest(self) -> None:
        """Make the served file the newest generation; repeat until no newer one has appeared."""
        while True:
            latest = self.latest()
            if latest is None or _same_file(self.served, self.path(latest)):
                return
            temporary = self.served.parent / f".{self.served.name}.{secrets.token_hex(8)}.tmp"
            try:
                os.link(self.path(latest), temporary)
            except FileNotFoundError:
                continue  # pruned meanwhile: a newer one exists
            os.replace(temporary, self.served)

    def prune(self, below: int) -> None:
        for number in self.numbers():
            if number < below:
                self.path(number).unlink(missing_ok=True)


def _download(path: Path, out: BinaryIO, limit: int) -> bool:
    """Copy the file into ``out``, refusing it (before reading, if its size shows it) beyond ``limit`` bytes."""
    try:
        with _open_regular(path) as source:
            if os.fstat(source.fileno()).st_size > limit:
                raise too_large(limit, str(path))
            copied = 0
            while chunk := source.read(min(CHUNK, limit + 1 - copied)):
                copied += len(chunk)
                if copied > limit:  # it grew meanwhile
                    raise too_large(limit, str(path))
                out.write(chunk)
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ToolchainError(f"cannot read: {exc.strerror}", path) from None


def _open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file (links followed): a fifo would block, a device not end."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a fifo opens at once instead of waiting for a writer
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise ToolchainError("not a regular file (a fifo, device or socket)", path)
    return os.fdopen(descriptor, "rb")


def _read_at_most(path: Path, limit: int) -> bytes | None:
    buffer = io.BytesIO()
    return buffer.getvalue() if _download(path, buffer, limit) else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def _temporary_copy(folder: Path, data: bytes):
    fd, name = tempfile.mkstemp(prefix=".new.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(name, 0o644)
        yield name
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


@contextlib.contextmanager
def _writing(path: Path):
    """Turn an OS failure while writing into one line naming the file."""
    try:
        yield
    except OSError as exc:
        raise ToolchainError(f"cannot write: {exc.strerror}", path) from None
