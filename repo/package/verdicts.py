"""Packages this user's toolchain has checked already, so the same bytes are not checked twice.

A build validates every tree it packs; an upload or a promote checks every package it
publishes (repo.package.checks). When ``inv upload`` publishes what ``inv build`` just
made, or ``inv promote`` copies what ``inv upload`` just checked, checking those bytes
again costs a decompression and a parse per package and can find nothing new. So each
package that passes is recorded here with what the check returned (id, plugin-info),
by its size and SHA-1; a later check of a file with that size and SHA-1 takes the record.

Who can make a record: only this user's toolchain, at this very code. Records live in
the user's cache folder, not in a build folder or a repository (either may come from
elsewhere), each authenticated with a key only this user can read (HMAC-SHA256), and
each counts only for the toolchain code that made it (repo.build.buildcache's
fingerprint, package bounds included). A build folder copied from a CI job, a bucket others write to, a record
edited by hand or made by a toolchain with other rules: all get the full check. The
SHA-1 is the identity provd itself trusts (plugins.db), and the one the storage
verifies every transfer and copy against.

``PROVD_VERDICTS_DIR`` moves the records (tests give each run its own); ``off`` there
turns them off.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from pathlib import Path

from repo.build.buildcache import checks_fingerprint
from repo.fileutil import sha1_file
from repo.package.archive import PackageInfo

VARIABLE = "PROVD_VERDICTS_DIR"
_KEY_NAME = "key"
_MAX_BYTES = 8 << 20  # a records file past this starts over: the records are only a saving
_STALE_AFTER = 30 * 86400  # seconds: another toolchain's records unused for this long are deleted


def folder() -> Path | None:
    """Where the records are; None when turned off."""
    chosen = os.environ.get(VARIABLE)
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "provd-toolchain"


_LOCK = threading.Lock()  # publishes check packages on several threads


def lookup(size: int, sha1sum: str, filename: str) -> PackageInfo | None:
    """What checking the package ``filename`` with these bytes returned, if this toolchain recorded it."""
    with _LOCK:
        found = _records().get((size, sha1sum))
    return found if found is not None and found.filename == filename else None


def lookup_file(path: str | os.PathLike) -> PackageInfo | None:
    """What checking the package file at ``path`` returned, if this toolchain recorded it for its bytes and name."""
    try:
        return lookup(os.stat(path).st_size, sha1_file(path), os.path.basename(path))
    except OSError:
        return None  # checking it says what is wrong


def record(packages: list[PackageInfo]) -> None:
    """Remember that these packages passed the checks (best effort: a cache that cannot be written costs time only)."""
    if not packages:
        return  # a build with nothing to build: not even the key is read
    with _LOCK:
        store = _store()
        if store is None:
            return
        known = _records()
        lines = []
        for package in packages:
            if known.get((package.dsize, package.sha1sum)) != package:
                known[(package.dsize, package.sha1sum)] = package
                lines.append(store.line(package))
        if lines:
            store.append(b"".join(lines))


class _Store:
    def __init__(self, path: Path, key: bytes):
        self.path, self.key = path, key

    @functools.cached_property
    def records(self) -> dict[tuple[int, str], PackageInfo]:
        return self.read()

    def line(self, package: PackageInfo) -> bytes:
        fields = {"size": package.dsize, "sha1sum": package.sha1sum, "plugin_id": package.plugin_id,
                  "filename": package.filename, "info": package.info}
        body = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        return json.dumps({"record": body, "mac": self._mac(body)}).encode() + b"\n"

    def read(self) -> dict[tuple[int, str], PackageInfo]:
        try:
            with open(self.path, "rb") as f:
                data = f.read(_MAX_BYTES + 1)
        except OSError:
            return {}
        found = {}
        for line in data.splitlines():
            package = self._parse(line)
            if package is not None:
                found[(package.dsize, package.sha1sum)] = package
        return found

    def _parse(self, line: bytes) -> PackageInfo | None:
        """The package a line records, or None: torn, edited, or not made with this key (all ignored)."""
        try:
            outer = json.loads(line)
            body = outer["record"]
            if not hmac.compare_digest(outer["mac"], self._mac(body)):
                return None
            fields = json.loads(body)
            return PackageInfo(fields["plugin_id"], fields["info"], fields["filename"], fields["size"],
                               fields["sha1sum"])
        except (ValueError, KeyError, TypeError, RecursionError):
            return None

    def append(self, data: bytes) -> None:
        try:
            if self.path.stat().st_size + len(data) > _MAX_BYTES:
                self.path.unlink()
        except OSError:
            pass
        try:
            # One write of whole lines in append mode: records of processes writing at once do not mix.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        except OSError:
            pass

    def _mac(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()


def _store() -> _Store | None:
    where = folder()
    return None if where is None else _store_in(str(where), checks_fingerprint())


@functools.cache
def _store_in(where: str, fingerprint: str) -> _Store | None:
    try:
        os.makedirs(where, mode=0o700, exist_ok=True)
        key = _key(Path(where) / _KEY_NAME)
    except OSError:
        return None
    path = Path(where) / f"verdicts-{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}.jsonl"
    _forget_stale(Path(where), path)
    return _Store(path, key)


def _records() -> dict[tuple[int, str], PackageInfo]:
    store = _store()
    return store.records if store is not None else {}


def _key(path: Path) -> bytes:
    """This user's key, made on first use; a key others can read or write is not used (and not trusted)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        made = path.with_name(f".{_KEY_NAME}-{secrets.token_hex(8)}")
        fd = os.open(made, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(made, path)  # the first process to make one wins; the others read it
        except FileExistsError:
            pass
        finally:
            os.unlink(made)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        status = os.fstat(f.fileno())
        if status.st_uid != os.getuid() or status.st_mode & 0o077:
            raise PermissionError(f"{path} is not this user's alone")
        key = f.read(64)
    if len(key) != 32:
        raise OSError(f"{path} is not a key")
    return key


def _forget_stale(where: Path, current: Path) -> None:
    """Delete other toolchains' records nobody used for a month (an upgrade leaves the old ones behind)."""
    now = time.time()
    for path in where.glob("verdicts-*.jsonl"):
        try:
            if path != current and now - path.stat().st_mtime > _STALE_AFTER:
                path.unlink()
        except OSError:
            pass
