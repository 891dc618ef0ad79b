"""The classic stable flow: mirror the stable channel into ``<build-dir>/stable/``, edit, publish it back.

``download-stable`` records which index it mirrored (``.origin.json``: repository and
SHA-1 of ``plugins.db``); ``upload-stable`` makes the stable index exactly the packages
of the folder, and only if the channel still has the index that was downloaded, so a
stable change made meanwhile by someone else is never silently overwritten.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from repo.errors import ToolchainError
from repo.fileutil import has_bytes, write_atomic
from repo.package.archive import PackageInfo
from repo.package.checks import inspect_package
from repo.package.index import INDEX_NAME, Index
from repo.publish.channel import ChannelIndex, index_key, read_index
from repo.publish.concurrency import CHECKING, run_all
from repo.publish.httpmeta import PACKAGE_SUFFIX
from repo.publish.plan import (
    ABSENT,
    Plan,
    download_package,
    plan_publish,
    stat_of,
    view_channel,
)
from repo.publish.storage import Stat, Storage
from repo.ui.progress import TransferProgress, format_bytes

STABLE = "stable"
ORIGIN_FILE = ".origin.json"


@dataclass
class Mirror:
    """What download-stable does to the local folder, from the stable index it read."""

    current: ChannelIndex
    download: list[tuple[str, dict]] = field(default_factory=list)  # (plugin id, index entry)
    keep: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)

    def lines(self, storage: Storage, stable_dir: Path, verbose: bool = True) -> list[str]:
        """The plan; without ``verbose`` the packages already there are one count, not one line each."""
        lines = [f"mirror {storage.url(STABLE)} into {stable_dir}:"]
        lines += [f"  {'download':<8} {e['filename']} ({format_bytes(e['dsize'])})" for _, e in self.download]
        if verbose:
            lines += [f"  {'keep':<8} {name} (same sha1)" for name in self.keep]
        lines += [f"  {'delete':<8} {name} (not in the stable channel)" for name in self.delete]
        if not verbose and self.keep:
            lines.append(f"  {len(self.keep)} unchanged (already there with the same sha1; --verbose lists them)")
        return lines

    def summary(self, stable_dir: Path) -> str:
        return (f"{stable_dir}: {len(self.download)} downloaded, {len(self.keep)} already there, "
                f"{len(self.delete)} deleted")


def plan_download(storage: Storage, stable_dir: Path) -> Mirror:
    mirror = Mirror(read_index(storage, STABLE))
    index = mirror.current.index
    for plugin_id, entry in index.items():
        path = stable_dir / entry["filename"]
        if has_bytes(path, entry["dsize"], entry["sha1sum"]):
            mirror.keep.append(entry["filename"])
        else:
            mirror.download.append((plugin_id, entry))
    if stable_dir.is_dir():
        mirror.delete = sorted(p.name for p in stable_dir.glob(f"*{PACKAGE_SUFFIX}") if p.name not in index.filenames())
    if mirror.delete and mirror.current.data is None and read_index(storage, "dev").data is None:
        # Nothing published at all (a mistyped --repo): mirroring it would delete every local package.
        raise ToolchainError(f"nothing published to the dev or the stable channel yet (no {INDEX_NAME})", storage.url())
    return mirror


def download_stable(storage: Storage, stable_dir: Path, progress: TransferProgress | None = None,
                    mirror: Mirror | None = None) -> Mirror:
    """Make ``stable_dir`` a verified copy of the stable channel (as ``mirror`` planned it); its index is written last."""
    progress = progress or TransferProgress()
    mirror = mirror or plan_download(storage, stable_dir)
    current = mirror.current

    def download(pair: tuple[str, dict]) -> None:
        plugin_id, entry = pair
        key = f"{STABLE}/{entry['filename']}"
        with progress.transfer("downloaded", storage.url(key), entry["dsize"]):
            download_package(storage, key, stat_of(entry), stable_dir / entry["filename"], (plugin_id, entry))

    run_all(mirror.download, download, progress)
    if current.data is None:
        (stable_dir / INDEX_NAME).unlink(missing_ok=True)
    else:
        write_atomic(stable_dir / INDEX_NAME, current.data)
    for name in mirror.delete:
        (stable_dir / name).unlink()
        progress.note(f"deleted {stable_dir / name} (not in the stable channel)")
    _record_origin(storage, stable_dir, current.sha1 or ABSENT)
    return mirror


def plan_upload_stable(storage: Storage, stable_dir: Path, force: bool = False) -> Plan:
    """Plan making the stable channel exactly the packages of ``stable_dir`` (highest version per id)."""
    base = _origin(storage, stable_dir)
    view = view_channel(storage, STABLE)  # packages it holds with the same bytes need no checking again
    packages = run_all(sorted(stable_dir.glob(f"*{PACKAGE_SUFFIX}")), lambda path: view.held(path) or _checked(path))
    index = Index.from_packages(packages)
    chosen = [p for p in packages if p.filename in index.filenames()]
    plan = plan_publish(storage, STABLE, [(p, stable_dir / p.filename) for p in chosen], force, base=base, view=view)
    # Refused now, before anything is sent, if stable changed since the download (the index's
    # compare-and-swap still refuses a change made while the packages go up).
    plan.change.check_base(plan.before, storage.url(index_key(STABLE)))
    plan.notes += [f"{p.filename} not published: {stable_dir} has the newer "
                   f"{p.plugin_id} {index.get(p.plugin_id)['version']}" for p in packages if p not in chosen]
    return plan


def _checked(path: Path) -> PackageInfo:
    with CHECKING:
        return inspect_package(path)


def record_upload(storage: Storage, stable_dir: Path, index: Index) -> None:
    """After upload-stable: the folder's index and origin are what the channel now has."""
    data = index.to_bytes()
    write_atomic(stable_dir / INDEX_NAME, data)
    _record_origin(storage, stable_dir, Stat.of(data).sha1)


def _origin(storage: Storage, stable_dir: Path) -> str:
    """The SHA-1 of the stable index the folder was downloaded from (ABSENT: there was none)."""
    path = stable_dir / ORIGIN_FILE
    if not stable_dir.is_dir():
        raise ToolchainError("no such folder: run `inv download-stable` first", stable_dir)
    try:
        origin = json.loads(path.read_bytes())
    except FileNotFoundError:
        if read_index(storage, STABLE).data is None:
            return ABSENT  # a first publish of stable: nothing to download first
        raise ToolchainError("not downloaded from the stable channel: run `inv download-stable` first",
                             stable_dir) from None
    except (OSError, ValueError, RecursionError) as exc:  # recursion: nested thousands deep
        raise ToolchainError(f"unreadable: {exc}", path) from None
    if not isinstance(origin, dict) or origin.get("repo") != storage.url():
        raise ToolchainError(f"downloaded from {origin.get('repo') if isinstance(origin, dict) else '?'}, "
                             f"not from {storage.url()}: run `inv download-stable` for this repository", stable_dir)
    return str(origin.get("index_sha1"))


def _record_origin(storage: Storage, stable_dir: Path, index_sha1: str) -> None:
    data = json.dumps({"repo": storage.url(), "index_sha1": index_sha1}, sort_keys=True).encode()
    write_atomic(stable_dir / ORIGIN_FILE, data)
