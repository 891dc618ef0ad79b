"""The build folder: claimed by a marker file, tied to one plugins folder, deleted only when marked.

``inv build`` writes ``<build-dir>/.provd-build.json`` recording the plugins folder it
builds from. That record is what makes the folder safe to use:

- a build never mixes two plugins folders in one build folder;
- ``inv upload`` refuses a build folder built from another plugins folder than the
  configured one (a mistyped ``--build-dir`` cannot publish someone else's plugins);
- ``inv clean`` deletes only a folder holding the marker, so ``--build-dir .`` or ``/``
  deletes nothing.

A folder is claimed only when it is new or empty, or holds nothing but what the
toolchain writes there (a build folder made before markers existed).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterable

from repo.errors import ToolchainError
from repo.fileutil import write_atomic

MARKER = ".provd-build.json"
# What the toolchain writes at the top of a build folder (temporary files aside).
TOOLCHAIN_ENTRIES = frozenset({MARKER, ".cache", "plugins", "dev", "stable", "dhcpd.tar.bz2"})


def claim(build_dir: Path, plugins_dir: Path | None = None) -> None:
    """Make ``build_dir`` a build folder (of ``plugins_dir``, when given), or refuse with one line."""
    build_dir = Path(build_dir)
    if build_dir.exists() and not build_dir.is_dir():
        raise ToolchainError("not a folder: cannot be a build folder", build_dir)
    source = Path(plugins_dir).resolve() if plugins_dir is not None else None
    if (build_dir / MARKER).exists():
        recorded = built_from(build_dir)
        if source is None or recorded == source:
            return
        if recorded is not None:
            raise ToolchainError(f"built from {recorded}, not from {source}: choose another --build-dir, "
                                 "or run `inv clean` on it first", build_dir)
    else:
        strangers = sorted(_strangers(build_dir))
        if strangers:
            more = f" and {len(strangers) - 1} more" if len(strangers) > 1 else ""
            raise ToolchainError(f"not a build folder: it holds {strangers[0]!r}{more}, which the toolchain does "
                                 f"not make, and no {MARKER}; choose a new or empty folder", build_dir)
    record = {"plugins_dir": str(source) if source else None}
    write_atomic(build_dir / MARKER, json.dumps(record, sort_keys=True).encode() + b"\n")


def built_from(build_dir: Path) -> Path | None:
    """The plugins folder ``build_dir`` was built from (None: not recorded, or no build yet)."""
    path = Path(build_dir) / MARKER
    try:
        record = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:  # recursion: nested thousands deep
        raise ToolchainError(f"unreadable build folder record: {exc}", path) from None
    plugins_dir = record.get("plugins_dir") if isinstance(record, dict) else None
    if plugins_dir is not None and not isinstance(plugins_dir, str):
        raise ToolchainError("unreadable build folder record: plugins_dir is not a path", path)
    return Path(plugins_dir) if plugins_dir else None


def check_built_from(build_dir: Path, plugins_dir: Path) -> None:
    """Refuse a build folder that was not built from ``plugins_dir`` (or does not say)."""
    recorded, expected = built_from(build_dir), Path(plugins_dir).resolve()
    if recorded is None:
        raise ToolchainError(f"does not record which plugins folder it was built from (no {MARKER} from "
                             f"`inv build`): run `inv build --build-dir {build_dir}` first", build_dir)
    if recorded != expected:
        raise ToolchainError(f"built from {recorded}, not from the configured plugins folder {expected}: "
                             "check --build-dir (or --plugins-dir, provd.plugins_dir)", build_dir)


def remove(build_dir: Path, keep: Iterable[Path]) -> bool:
    """Delete a build folder; False when there is none. Refuses unmarked folders and any holding ``keep``."""
    build_dir = Path(build_dir)
    if not build_dir.exists() and not build_dir.is_symlink():
        return False
    if build_dir.is_symlink() or not build_dir.is_dir():
        raise ToolchainError("not a build folder (not a plain folder): not deleted", build_dir)
    if not (build_dir / MARKER).is_file():
        raise ToolchainError(f"not a build folder (no {MARKER}, which `inv build` writes): not deleted", build_dir)
    resolved = build_dir.resolve()
    for path in keep:
        path = Path(path).resolve()
        if path == resolved or resolved in path.parents:
            raise ToolchainError(f"holds {path}: not deleted", build_dir)
    try:
        shutil.rmtree(build_dir)
    except OSError as exc:
        raise ToolchainError(f"cannot delete: {exc.strerror} ({exc.filename})", build_dir) from None
    return True


def _strangers(build_dir: Path) -> Iterable[str]:
    """Entries of ``build_dir`` the toolchain does not write there."""
    if not build_dir.is_dir():
        return
    for entry in build_dir.iterdir():
        name = entry.name
        if name not in TOOLCHAIN_ENTRIES and not (name.startswith(".") and name.endswith(".tmp")):
            yield name
