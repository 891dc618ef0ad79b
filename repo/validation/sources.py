"""Reporting findings about a built tree against the source files the maintainer edits.

A built file usually is a copy of a file of its build plugin folder: the same
relative path under the folder itself or one of its subfolders (``templates/base.tpl``
from ``common/templates/base.tpl``), with the same content. When several sources
match, the subfolder named like the target wins (upstream's layout: ``common/`` plus
one folder per target). A generated file has no source: it is reported in the tree.
"""
from __future__ import annotations

import filecmp
import os
from pathlib import Path
from typing import Iterable

from repo.validation.findings import Finding


def locate(findings: Iterable[Finding], tree: Path, plugin_folder: Path, target_id: str,
           built: Path) -> list[Finding]:
    """Findings with tree-relative paths, re-pointed at their source file, else at ``built/<path>``."""
    subfolders = sorted((p for p in plugin_folder.iterdir() if p.is_dir()),
                        key=lambda p: (p.name != target_id, p.name))
    found: dict[str, Path] = {}
    located = []
    for finding in findings:
        if finding.path not in found:
            source = _source_of(finding.path, tree, [plugin_folder, *subfolders])
            found[finding.path] = source if source is not None else built / finding.path
        located.append(finding.at(shown(found[finding.path])))
    return located


def shown(path: Path) -> str:
    """A path as the user wants to read it: relative to the current folder when it is below it."""
    relative = os.path.relpath(path)
    return os.fspath(path) if relative == ".." or relative.startswith("../") else relative


def _source_of(rel: str, tree: Path, folders: list[Path]) -> Path | None:
    built = tree / rel
    return next((folder / rel for folder in folders if _same(built, folder / rel)), None)


def _same(built: Path, source: Path) -> bool:
    if built.is_symlink() or source.is_symlink():
        return built.is_symlink() and source.is_symlink() and os.readlink(built) == os.readlink(source)
    if built.is_dir() or source.is_dir():
        return built.is_dir() and source.is_dir()
    return built.is_file() and source.is_file() and filecmp.cmp(built, source, shallow=False)
