"""The built tree's shape: what it holds, and what must never reach a package.

Symlinks relative and inside the plugin folder (provd extracts packages unfiltered);
only regular files, folders and symlinks; a plugin id that makes a sane package name.
VCS metadata (it can carry history and credentials) and Python bytecode (compiled code
no reviewer reads, never needed: provd runs plugin code with ``exec``) are errors; other
dot-files and editor leftovers are worth a warning: provd never reads them, but they
bloat packages.
"""
from __future__ import annotations

import errno
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from repo.package.pluginid import plugin_id_problem
from repo.validation.findings import Finding
from repo.validation.rules import finding

PLUGIN_INFO = "plugin-info"
_BYTECODE = ("__pycache__", "*.pyc", "*.pyo")
_VCS = (".git", ".hg", ".svn", ".bzr", "CVS")
_LEFTOVERS = ("*~", "*.swp", "*.swo", "#*#", "*.orig", "*.rej", "*.bak", "Thumbs.db")


@dataclass
class Entries:
    """Everything in a built tree, as plugin-relative POSIX paths."""

    files: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    specials: list[str] = field(default_factory=list)
    unwanted: list[tuple[str, str, bool]] = field(default_factory=list)  # (path, why, refused); files not listed


def walk(root: Path) -> Entries:
    entries = Entries()
    _walk_into(entries, root, "", stray=False)
    return entries


def _walk_into(entries: Entries, folder: Path, prefix: str, stray: bool) -> None:
    """List a folder; below an unwanted folder only links and specials count (they still get packaged)."""
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        rel = prefix + entry.name
        unwanted = None if stray else _unwanted(entry.name)
        if unwanted:
            entries.unwanted.append((rel, *unwanted))
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(mode):
            entries.links[rel] = os.readlink(entry.path)
        elif stat.S_ISDIR(mode):
            _walk_into(entries, Path(entry.path), rel + "/", stray or bool(unwanted))
        elif stat.S_ISREG(mode):
            if not (stray or unwanted):
                entries.files.append(rel)
        else:
            entries.specials.append(rel)


def _unwanted(name: str) -> tuple[str, bool] | None:
    """(what it is, whether it is refused) for a name that should not be packaged."""
    if name in _VCS:
        return "VCS metadata", True
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in _BYTECODE):
        return "Python bytecode", True
    if name.startswith("."):
        return "dot-file", False
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in _LEFTOVERS):
        return "editor leftover", False
    return None


def check_layout(root: Path, entries: Entries) -> list[Finding]:
    findings = []
    for rel, why, refused in entries.unwanted:
        message = f"{why} {Path(rel).name!r} should not be packaged (exclude it in the build file)"
        findings.append(finding("vcs-or-bytecode", rel, message) if refused else finding("stray-file", rel, message))
    findings += [finding("special-file", rel, "not a regular file, folder or symlink: cannot be packaged")
                 for rel in entries.specials]
    real_root = os.path.realpath(root)
    for rel, target in entries.links.items():
        if os.path.isabs(target):
            findings.append(finding("symlink-escape", rel, f"symlink to the absolute path {target!r}: make it "
                                                           "relative to stay inside the plugin"))
            continue
        if _loops(root / rel):  # an error, as when the package is read back: provd could not use it either
            findings.append(finding("symlink-loop", rel, f"symlink to {target!r} is a loop: it never reaches a file"))
            continue
        resolved = os.path.realpath(root / rel)
        if os.path.commonpath([real_root, resolved]) != real_root:
            findings.append(finding("symlink-escape", rel, f"symlink to {target!r} leaves the plugin folder"))
        elif not os.path.exists(resolved):
            findings.append(finding("symlink-broken", rel, f"symlink to {target!r} points to nothing"))
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
        findings.append(finding("plugin-id", PLUGIN_INFO, f"{problem}: it names the package and provd's plugin folder"))
    if root.name != pg_id:
        findings.append(finding("plugin-id", PLUGIN_INFO, f"built into folder {root.name!r} but the plugin id is "
                                                          f"{pg_id!r}: the package's top folder would not be the "
                                                          "plugin id"))
    return findings
