"""The firmware mirror: ``<plugins-dir>/_firmwares/<vendor>/*`` <-> ``<repo>/firmwares/<vendor>/*``.

Real trees keep the firmware files of vendors whose download links break in
``_firmwares/<vendor>/`` and serve them from their own web server, where pkgs.db URLs
point. A file is trusted by its name: a pkgs.db of the tree that names it (its
``filename``, else the last segment of its ``url``) gives the size and SHA-1 it must
have. Uploading refuses the whole run, before sending anything, when a file matches
no such size and SHA-1; a file no pkgs.db names is sent with a warning (it is the
maintainer's). Downloading writes only files a pkgs.db names, streamed and stopped as
soon as one grows past the size it must have, and never keeps one that does not match.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from repo.errors import ToolchainError
from repo.fileutil import atomic_writer, read_file, sha1_file
from repo.publish.channel import publish_file
from repo.publish.folders import FIRMWARES
from repo.publish.storage import Digesting, Stat, Storage, TooLarge
from repo.ui.progress import TransferProgress, format_bytes
from repo.validation.firmware import FIRMWARES_FOLDER, vendor_folder
from repo.validation.pkgsdb import check_pkgs_db

REMOTE_FOLDER = FIRMWARES
PKGS_DB_NAME = "pkgs.db"


@dataclass(frozen=True)
class Expected:
    """What a pkgs.db says a firmware file is, and where it says so."""

    stat: Stat
    where: str  # pkgs.db path:line

    def describe(self) -> str:
        return f"{self.where} says {self.stat.size} bytes, sha1 {self.stat.sha1}"


def expectations(plugins_dir: Path) -> dict[str, list[Expected]]:
    """File name -> what the pkgs.db files of the tree's build plugins say it is."""
    found: dict[str, list[Expected]] = {}
    for folder in sorted(Path(plugins_dir).iterdir()):
        if not folder.is_dir() or folder.name.startswith((".", "_")):
            continue
        for pkgs_db in sorted(folder.rglob(PKGS_DB_NAME)):
            pkgs, _ = check_pkgs_db(read_file(pkgs_db), pkgs_db)  # its problems are for `inv validate`
            for remote in pkgs.files if pkgs else ():
                where = f"{pkgs_db}:{remote.line}" if remote.line else str(pkgs_db)
                found.setdefault(remote.filename, []).append(Expected(Stat(remote.size, remote.sha1sum), where))
    return found


def vendors_of(plugins_dir: Path, build_plugins: Iterable[str]) -> list[str]:
    """The vendor folders to mirror: those of the build plugins, and those present locally."""
    local = Path(plugins_dir) / FIRMWARES_FOLDER
    names = {vendor_folder(Path(plugins_dir), name).name for name in build_plugins}
    if local.is_dir():
        names |= {p.name for p in local.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return sorted(names)


@dataclass
class MirrorPlan:
    """What an upload or download of the firmware mirror does, file by file."""

    verb: str  # upload | download
    transfer: list[tuple[str, Path, list[Expected]]] = field(default_factory=list)  # key, local file, expected
    keep: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Refuse the plan when a file failed its check (its errors say which)."""
        if self.errors:
            raise ToolchainError(f"{len(self.errors)} firmware file(s) do not match the pkgs.db that names them: "
                                 "nothing sent")

    def lines(self, storage: Storage) -> list[str]:
        lines = [f"{self.verb} {REMOTE_FOLDER}/ of {storage.url()}:"]
        for key, path, expected in self.transfer:
            size = path.stat().st_size if self.verb == "upload" else max(c.stat.size for c in expected)
            lines.append(f"  {self.verb:<8} {key} ({format_bytes(size)}{'' if expected else ', unchecked'})")
        lines += [f"  {'keep':<8} {key} (same size and sha1)" for key in self.keep]
        return lines


def plan_upload(storage: Storage, plugins_dir: Path) -> MirrorPlan:
    """Check every local firmware file against the tree's pkgs.db files, then compare with the repository."""
    plan, expected = MirrorPlan("upload"), expectations(plugins_dir)
    local = Path(plugins_dir) / FIRMWARES_FOLDER
    files = []
    for vendor in sorted(p for p in local.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if local.is_dir() else ():
        for path in sorted(vendor.iterdir()):
            if path.name.startswith("."):
                continue
            if path.is_symlink() or not path.is_file():
                plan.warnings.append(f"{path}: not a regular file: left out")
                continue
            candidates = expected.get(path.name, [])
            if not candidates:
                plan.warnings.append(f"{path}: no pkgs.db of the tree names this file: sent unchecked")
            elif (problem := _mismatch(path, candidates)) is not None:
                plan.errors.append(f"{path}: {problem}")
                continue
            files.append((f"{REMOTE_FOLDER}/{vendor.name}/{path.name}", path, candidates))
    if plan.errors:
        return plan  # nothing will be sent: no need to ask the repository
    for key, path, candidates in files:
        local_stat = Stat(path.stat().st_size, sha1_file(path))
        if storage.stat(key) == local_stat:
            plan.keep.append(key)
        else:
            plan.transfer.append((key, path, candidates))
    return plan


def _mismatch(path: Path, candidates: list[Expected]) -> str | None:
    """None when the file has the size and SHA-1 one of ``candidates`` gives; else what is wrong."""
    size = path.stat().st_size
    same_size = [c for c in candidates if c.stat.size == size]
    if not same_size:  # hashed only when a size matches
        return f"{size} bytes, but {candidates[0].describe()}"
    sha1 = sha1_file(path)
    if any(c.stat.sha1 == sha1 for c in same_size):
        return None
    return f"sha1 {sha1}, but {same_size[0].describe()}"


def upload(storage: Storage, plan: MirrorPlan, progress: TransferProgress | None = None) -> int:
    """Send the plan's files (each staged, verified, then put in place); refuse a plan with errors."""
    plan.check()
    progress = progress or TransferProgress()
    return sum(publish_file(storage, key, path, progress) for key, path, _ in plan.transfer)


def plan_download(storage: Storage, plugins_dir: Path, vendors: Iterable[str]) -> MirrorPlan:
    """The repository's firmware files that a pkgs.db of the tree names and the local folder lacks."""
    plan, expected = MirrorPlan("download"), expectations(plugins_dir)
    local = Path(plugins_dir) / FIRMWARES_FOLDER
    for vendor in vendors:
        for name in storage.list(f"{REMOTE_FOLDER}/{vendor}"):
            key, path = f"{REMOTE_FOLDER}/{vendor}/{name}", local / vendor / name
            candidates = expected.get(name, [])
            if not candidates:
                plan.warnings.append(f"{storage.url(key)}: no pkgs.db of the tree names this file: "
                                     "not downloaded (nothing to check it against)")
            elif path.is_file() and not path.is_symlink() and _mismatch(path, candidates) is None:
                plan.keep.append(key)
            else:
                plan.transfer.append((key, path, candidates))
    return plan


def download(storage: Storage, plan: MirrorPlan, progress: TransferProgress | None = None) -> int:
    """Fetch the plan's files, each verified before it replaces the local file."""
    progress = progress or TransferProgress()
    for key, path, candidates in plan.transfer:
        limit = max(c.stat.size for c in candidates)
        with progress.transfer("downloaded", storage.url(key), limit) as on_bytes, atomic_writer(path) as out:
            received = Digesting(out, on_bytes)
            try:
                found = storage.download(key, received, limit)
            except TooLarge:
                raise ToolchainError(f"larger than the {limit} bytes the pkgs.db says: not downloaded",
                                     storage.url(key)) from None
            if not found:
                raise ToolchainError("no such file in the repository", storage.url(key))
            if received.stat not in {c.stat for c in candidates}:
                raise ToolchainError(f"{received.size} bytes, sha1 {received.stat.sha1}, but "
                                     f"{candidates[0].describe()}: not downloaded", storage.url(key))
    return len(plan.transfer)
