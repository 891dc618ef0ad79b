"""Every package that reaches a channel or a mirror: safe to extract, and following the rules of a built plugin.

A package built here was validated as a tree before it was packed, so only the
archive checks run on it (``built_here``). Any other package is copied, member by
member as it is read, into a scratch folder where the rules of
``repo.validation.builtplugin`` that need only the package's own files run on it.
"""
from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from repo.errors import ToolchainError
from repo.package.archive import PackageInfo, read_package
from repo.package.limits import check_parsable
from repo.package.scratch import ScratchCopy
from repo.validation.builtplugin import CHECKS, BuiltPlugin
from repo.validation.findings import raise_first_error


def inspect_package(path: str | Path, dsize: int | None = None, built_here: bool = False) -> PackageInfo:
    """Check a package file and return its id and plugin-info; raise ToolchainError if unsafe or invalid.

    ``dsize``: the size its index entry gives. ``built_here``: the toolchain just packed
    it from a validated tree, so the built-plugin rules are not run again.
    """
    path = Path(path)
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise ToolchainError(f"cannot read package: {exc.strerror}", path) from None
    with raw:
        if built_here:
            return read_package(raw, path.name, path, dsize)
        return inspect_package_stream(raw, path.name, path, dsize)


def inspect_package_bytes(data: bytes, filename: str, where: str | Path | None = None,
                          dsize: int | None = None) -> PackageInfo:
    """Like inspect_package, for a package already in memory (e.g. just downloaded)."""
    return inspect_package_stream(io.BytesIO(data), filename, filename if where is None else where, dsize)


def inspect_package_stream(raw: BinaryIO, filename: str, where: str | Path, dsize: int | None = None) -> PackageInfo:
    """Like inspect_package, for a package being read from ``raw`` (e.g. a download), in one pass."""
    with tempfile.TemporaryDirectory(prefix="provd-package-") as scratch:
        package = read_package(raw, filename, where, dsize, ScratchCopy(Path(scratch), where))
        _check_rules(Path(scratch) / package.plugin_id, package.plugin_id, where)
    return package


@dataclass
class _PackagedPlugin(BuiltPlugin):
    """A plugin copied out of a package: files are read for parsing only within the bound."""

    where: str | Path = ""

    def read(self, rel: str) -> bytes:
        path = self.root / rel
        try:
            check_parsable(f"{self.pg_id}/{rel}", path.stat().st_size, self.where)
            return path.read_bytes()
        except OSError as exc:
            raise ToolchainError(f"cannot read {self.pg_id}/{rel}: {exc.strerror}", self.where) from None


def _check_rules(root: Path, plugin_id: str, where: str | Path) -> None:
    plugin = _PackagedPlugin(root, plugin_id, where=where)
    raise_first_error(finding.at(f"{where}:{plugin_id}/{finding.path}")
                      for check in CHECKS for finding in check(plugin))
