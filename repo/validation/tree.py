"""The built tree's shape: what it holds, and what must never reach a package.

No dot-files, bytecode, editor or VCS leftovers; symlinks relative and inside the
plugin folder; only regular files, folders and symlinks; a plugin id and version
that make a sane package name.
"""
from __future__ import annotations

import errno
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from repo.package.pluginid import plugin_id_problem
from repo.validation.findings import Finding, error, warning

PLUGIN_INFO = "plugin-info"
_BYTECODE = ("__pycache__", "*.pyc", "*.pyo")
_LEFTOVERS = ("*~", "*.swp", "*.swo", "#*#", "*.orig", "*.rej", "*.bak", "Thumbs.db", "CVS")


@dataclass
class Entries:
    """Everything in a built tree, as plugin-relative POSIX paths."""

    files: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    specials: list[str] = field(default_factory=list)
    unwanted: list[tuple[str, str]] = field(default_factory=list)  # (path, why); not walked into


def walk(root: Path) -> Entries:
    entries = Entries()
    _walk_into(entries, root, "")
    return entries


def _walk_into(entries: Entries, folder: Path, prefix: str) -> None:
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        rel = prefix + entry.name
        why = _unwanted(entry.name)
        if why:
            entries.unwanted.append((rel, why))
            continue
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(mode):
            entries.links[rel] = os.readlink(entry.path)
        elif stat.S_ISDIR(mode):
            _walk_into(entries, Path(entry.path), rel + "/")
        elif stat.S_ISREG(mode):
            entries.files.append(rel)
        else:
            entries.specials.append(rel)


def _unwanted(name: str) -> str | None:
    if name.startswith("."):
        return "dot-file"
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in _BYTECODE):
        return "Python bytecode"
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in _LEFTOVERS):
        return "editor or VCS leftover"
    return None


def check_layout(root: Path, entries: Entries) -> list[Finding]:
    findings = [error(rel, f"{why} {Path(rel).name!r} must not be packaged (exclude it in the build file)")
                for rel, why in entries.unwanted]
    findings += [error(rel, "not a regular file, folder or symlink: cannot be packaged") for rel in entries.specials]
    real_root = os.path.realpath(root)
    for rel, target in entries.links.items():
        if os.path.isabs(target):
            findings.append(error(rel, f"symlink to the absolute path {target!r}: make it relative to stay "
                                       "inside the plugin"))
            continue
        if _loops(root / rel):  # an error, as when the package is read back: provd could not use it either
            findings.append(error(rel, f"symlink to {target!r} is a loop: it never reaches a file",
                                  code="symlink-loop"))
            continue
        resolved = os.path.realpath(root / rel)
        if os.path.commonpath([real_root, resolved]) != real_root:
            findings.append(error(rel, f"symlink to {target!r} leaves the plugin folder"))
        elif not os.path.exists(resolved):
            findings.append(warning(rel, f"symlink to {target!r} points to nothing"))
    return findings


def _loops(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def check_package_name(root: Path, pg_id: str) -> list[Finding]:
    """The package will be ``<pg_id>-<version>.tar.bz2`` holding folder ``<pg_id>``: the id must fit."""
    findings = []
    problem = plugin_id_problem(pg_id)
    if problem:
        findings.append(error(PLUGIN_INFO, f"{problem}: it names the package and provd's plugin folder"))
    if root.name != pg_id:
        findings.append(error(PLUGIN_INFO, f"built into folder {root.name!r} but the plugin id is {pg_id!r}: "
                                           "the package's top folder would not be the plugin id"))
    return findings
