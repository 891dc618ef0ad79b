"""Validating a built plugin tree: every check, each file read and parsed once.

``CHECKS`` is the list of checks run over a ``BuiltPlugin``; a new rule is a function
``BuiltPlugin -> Iterable[Finding]`` appended to it. (DHCP data is checked per build
plugin, not per built tree: repo.validation.dhcpclasses.)
Findings name plugin-relative paths; ``repo.validation.sources`` maps them back to the
files a maintainer edits.
"""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable

from repo.validation import firmware, python, templates, tree
from repo.validation.findings import Finding
from repo.validation.pkgsdb import PKGS_DB, PkgsDb, check_ini_syntax, check_pkgs_db
from repo.validation.plugininfo import check_plugin_info
from repo.validation.rules import finding


@dataclass
class BuiltPlugin:
    """A built tree under check; what its checks share is computed once, on first use."""

    root: Path
    pg_id: str
    firmware_dir: Path | None = None  # where pkgs.db's files may be kept locally (None: not checked)

    @cached_property
    def entries(self) -> tree.Entries:
        return tree.walk(self.root)

    @cached_property
    def _present(self) -> set[str]:
        return {*self.entries.files, *self.entries.links}

    @cached_property
    def _regular(self) -> set[str]:
        return set(self.entries.files)

    def exists(self, rel: str) -> bool:
        return rel in self._present

    def read(self, rel: str) -> bytes:
        """A file's bytes; empty for a symlink leading out of the plugin or to no regular file.

        Such a link is reported by the layout check; following it could read anything
        (``/dev/zero`` would never end).
        """
        if rel in self._regular:  # found by the walk, which follows no link: no need to resolve it
            return (self.root / rel).read_bytes()
        path = os.path.realpath(self.root / rel)
        root = os.path.realpath(self.root)
        if os.path.commonpath([root, path]) != root or not os.path.isfile(path):
            return b""
        return Path(path).read_bytes()

    @cached_property
    def plugin_info(self) -> tuple[dict | None, list[Finding]]:
        if not self.exists(tree.PLUGIN_INFO):
            return None, [finding("required-file", tree.PLUGIN_INFO, "no plugin-info: provd cannot load the plugin")]
        return check_plugin_info(self.read(tree.PLUGIN_INFO), tree.PLUGIN_INFO)

    @cached_property
    def pkgs_db(self) -> tuple[PkgsDb | None, list[Finding]]:
        if not self.exists(PKGS_DB):
            return None, []
        return check_pkgs_db(self.read(PKGS_DB), PKGS_DB)


Check = Callable[[BuiltPlugin], Iterable[Finding]]


def _plugin_info(plugin: BuiltPlugin) -> list[Finding]:
    return plugin.plugin_info[1]


def _pkgs_db(plugin: BuiltPlugin) -> list[Finding]:
    return plugin.pkgs_db[1] + _pkgs_folder(plugin)


def _pkgs_folder(plugin: BuiltPlugin) -> list[Finding]:
    """fetchfw reads every entry of pkgs/ but dot-files as one pkgs.db: a folder there breaks it."""
    folder = plugin.root / posixpath.dirname(PKGS_DB)
    if not plugin.exists(PKGS_DB):
        return []
    findings = []
    for entry in sorted(folder.iterdir()):
        rel = f"{folder.name}/{entry.name}"
        if rel == PKGS_DB or entry.name.startswith("."):
            continue
        if entry.is_dir():
            findings.append(finding("pkgs-syntax", rel, f"fetchfw reads every entry of {folder.name}/ as a pkgs.db "
                                                        "file: a folder there makes the plugin unloadable"))
        else:
            findings += check_ini_syntax(plugin.read(rel), rel) or [
                finding("pkgs-extra-file", rel, f"provd reads every file of {folder.name}/ as part of pkgs.db: "
                                                "keep only pkgs.db there")]
    return findings


def _python(plugin: BuiltPlugin) -> list[Finding]:
    findings = [] if plugin.exists(python.ENTRY) else [
        finding("required-file", python.ENTRY, "no entry.py: provd cannot load the plugin")]
    for rel in plugin.entries.files:
        if rel.endswith(".py"):
            findings += python.check_python_file(rel, plugin.read(rel), plugin.exists)
    return findings


def _templates(plugin: BuiltPlugin) -> list[Finding]:
    return [finding for rel in plugin.entries.files if rel.endswith(templates.TEMPLATE_SUFFIX)
            for finding in templates.check_template(rel, plugin.read(rel), plugin.exists)]


def _layout(plugin: BuiltPlugin) -> list[Finding]:
    return tree.check_layout(plugin.root, plugin.entries) + tree.check_package_name(plugin.root, plugin.pg_id)


def _firmware(plugin: BuiltPlugin) -> list[Finding]:
    pkgs = plugin.pkgs_db[0]
    if pkgs is None or plugin.firmware_dir is None:
        return []
    return firmware.check_firmware(pkgs, plugin.firmware_dir, PKGS_DB)


CHECKS: list[Check] = [_plugin_info, _pkgs_db, _python, _templates, _layout, _firmware]


def validate_built_tree(root: Path, pg_id: str, firmware_dir: Path | None = None) -> list[Finding]:
    """All findings about the plugin ``pg_id`` built in ``root``, with plugin-relative paths."""
    plugin = BuiltPlugin(Path(root), pg_id, firmware_dir)
    return [finding for check in CHECKS for finding in check(plugin)]
