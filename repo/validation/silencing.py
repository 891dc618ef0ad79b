"""Silencing warnings a maintainer has decided to live with, the way linters do.

Read from the ``validation`` table of the project configuration (Invoke's ``provd`` key)::

    provd:
      validation:
        ignore: [capability-legacy]          # these rules, everywhere
        per_plugin_ignores:                  # these rules, where the glob matches
          "xivo_*": [dhcp-class]
          "wazo_acme/v1_*/plugin-info": [capability-key]

A glob without ``/`` matches build plugin names; one with ``/`` matches file paths
relative to the plugins folder (``*`` crosses folders). Only warnings can be silenced:
an error is something provd fails on, and a project setting must not hide it.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from repo.errors import ToolchainError
from repo.validation.findings import WARNING, Finding
from repo.validation.rules import RULES

CONFIG_KEY = "validation"
_KEYS = ("ignore", "per_plugin_ignores")


@dataclass(frozen=True)
class Silencing:
    everywhere: frozenset[str] = frozenset()
    per_plugin: tuple[tuple[str, frozenset[str]], ...] = ()  # (glob, codes)

    @classmethod
    def from_config(cls, provd_config: Mapping | None) -> "Silencing":
        """The silencing of a project's ``provd`` configuration; a ToolchainError names a bad entry."""
        where = f"provd.{CONFIG_KEY}"
        table = _table((provd_config or {}).get(CONFIG_KEY) or {})
        if table is None:
            raise ToolchainError(f"{where} must be a table with {' and/or '.join(_KEYS)}")
        for key in table:
            if key not in _KEYS:
                raise ToolchainError(f"{where}: unknown setting {key!r} (known: {', '.join(_KEYS)})")
        per_plugin = _table(table.get("per_plugin_ignores") or {})
        if per_plugin is None:
            raise ToolchainError(f"{where}.per_plugin_ignores must map build plugin globs to lists of rule codes")
        return cls(_codes(table.get("ignore"), f"{where}.ignore"),
                   tuple((str(glob), _codes(codes, f"{where}.per_plugin_ignores[{glob!r}]"))
                         for glob, codes in per_plugin.items()))

    def silences(self, finding: Finding, plugin: str, rel_path: str | None) -> bool:
        """Whether ``finding``, about build plugin ``plugin`` (file ``rel_path`` in the plugins folder), is silenced."""
        if finding.severity != WARNING:
            return False
        if finding.code in self.everywhere:
            return True
        return any(finding.code in codes and _matches(glob, plugin, rel_path) for glob, codes in self.per_plugin)

    def split(self, findings: Iterable[Finding], plugin: str, plugins_dir: Path) -> tuple[list[Finding],
                                                                                          list[Finding]]:
        """(kept, silenced) findings of build plugin ``plugin``."""
        kept, silenced = [], []
        for finding in findings:
            rel = os.path.relpath(os.path.abspath(finding.path), plugins_dir) if finding.path else None
            inside = rel is not None and rel != ".." and not rel.startswith("../")
            (silenced if self.silences(finding, plugin, rel if inside else None) else kept).append(finding)
        return kept, silenced


def _table(value: object) -> dict | None:
    """A configuration table as a dict (Invoke hands out its own mapping type), or None if it is not one."""
    return dict(value.items()) if isinstance(value, Mapping) or hasattr(value, "items") else None


def _codes(value: object, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(c, str) for c in value):
        raise ToolchainError(f"{where} must be a list of rule codes, e.g. [capability-legacy]")
    for code in value:
        if code not in RULES:
            raise ToolchainError(f"{where}: unknown rule {code!r} (the README lists the codes)")
        if RULES[code].severity != WARNING:
            raise ToolchainError(f"{where}: rule {code!r} is an error (provd fails on it): it cannot be silenced")
    return frozenset(value)


def _matches(glob: str, plugin: str, rel_path: str | None) -> bool:
    if "/" not in glob:
        return fnmatch.fnmatchcase(plugin, glob)
    return rel_path is not None and fnmatch.fnmatchcase(rel_path.replace(os.sep, "/"), glob)
