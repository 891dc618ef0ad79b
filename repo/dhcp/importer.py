"""``inv dhcp-import``: a hand-kept dhcpd-update folder moved into the plugins tree as DHCP data.

Each vendor file goes next to the build plugin whose plugin-info capabilities name
that vendor (``<plugin>/dhcp.toml``), or, for a vendor without a build plugin, to
``<plugins-dir>/_dhcp/<vendor>.toml``. Before anything is written, every new file is
read back through the same checks as hand-written data and must give exactly the data
that was imported, and the whole tree's DHCP data must still load together.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from repo.dhcp.data import (
    DATA_FILE,
    VENDOR_ONLY_FOLDER,
    VendorDhcp,
    data_files,
    load_dhcp_file,
    load_dhcp_text,
    merge_vendors,
    vendor_key,
)
from repo.dhcp.handkept import ImportedVendor, read_handkept
from repo.dhcp.tomlwrite import vendor_toml
from repo.errors import ToolchainError
from repo.fileutil import write_atomic
from repo.package.models import split_capability_key
from repo.validation.findings import Finding, error, plural
from repo.validation.sources import shown

BUILD_FILE = "build.py"
PLUGIN_INFO = "plugin-info"
MAX_PLUGIN_INFO = 1 << 20


@dataclass
class Placement:
    imported: ImportedVendor
    destination: Path
    plugin: str | None  # the build plugin folder's name; None: vendor-only data
    text: str


@dataclass
class ImportPlan:
    placements: list[Placement]
    refusals: list[Finding]
    drift: list[Finding]
    notes: list[str]

    def lines(self) -> list[str]:
        """What went (or would go) where, then drift and notes."""
        lines = []
        for placement in self.placements:
            data = placement.imported.data
            where = f"build plugin {placement.plugin}" if placement.plugin else "no build plugin"
            lines.append(f"{shown(placement.imported.path)} -> {shown(placement.destination)} ({data.vendor}, "
                         f"{where}: {_count(len(data.classes), 'class')}, "
                         f"{_count(len(data.mac_prefixes), 'MAC prefix')})")
        lines += [str(finding) for finding in self.drift]
        lines += [f"note: {note}" for note in self.notes]
        return lines

    def summary(self, plugins_dir: Path) -> str:
        beside = sum(1 for p in self.placements if p.plugin)
        return (f"{plural(len(self.placements), 'vendor file')}: {beside} next to build plugins, "
                f"{len(self.placements) - beside} in {shown(Path(plugins_dir) / VENDOR_ONLY_FOLDER)}/; "
                f"{plural(len(self.drift), 'drift warning')} (behaviour kept: the data says so, edit it to change)")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 'es'}"


def plugin_vendors(plugins_dir: Path) -> dict[str, list[tuple[str, Path]]]:
    """Vendors named by the capabilities of each build plugin's plugin-info files: key -> (spelling, folder)."""
    vendors: dict[str, list[tuple[str, Path]]] = {}
    for folder in sorted(p for p in Path(plugins_dir).iterdir() if (p / BUILD_FILE).is_file()):
        names: set[str] = set()
        for info in _plugin_infos(folder):
            names |= _capability_vendors(info)
        for name in sorted(names):
            vendors.setdefault(vendor_key(name), []).append((name, folder))
    return vendors


def _plugin_infos(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")) and d != "tests")
        if PLUGIN_INFO in files:
            found.append(Path(root) / PLUGIN_INFO)
    return found


def _capability_vendors(path: Path) -> set[str]:
    """Vendor names of a plugin-info's capabilities; an unreadable file names none (validation reports it)."""
    try:
        if path.is_symlink() or path.stat().st_size > MAX_PLUGIN_INFO:
            return set()
        info = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # recursion: nested thousands deep
        return set()
    capabilities = info.get("capabilities") if isinstance(info, dict) else None
    if not isinstance(capabilities, dict):
        return set()
    return {vendor for vendor, _, _ in map(split_capability_key, map(str, capabilities)) if vendor_key(vendor)}


def plan_import(source: Path, plugins_dir: Path) -> ImportPlan:
    """Read the hand-kept folder and decide where each vendor's data goes; nothing is written."""
    source, plugins_dir = Path(source), Path(plugins_dir)
    if not source.is_dir():
        raise ToolchainError("not a folder", source)
    if not plugins_dir.is_dir():
        raise ToolchainError("plugins folder not found", plugins_dir)
    handkept = read_handkept(source)
    plan = ImportPlan([], handkept.refusals, handkept.drift, handkept.notes)
    if plan.refusals:
        return plan
    vendors = plugin_vendors(plugins_dir)
    header = [f"Imported by `inv dhcp-import` from {source.name}/; see README \"DHCP bundle\"."]
    for imported in handkept.vendors:
        plugins = vendors.get(vendor_key(imported.stem), [])
        if plugins:
            spelling, folder = sorted(plugins, key=lambda p: (not p[1].name.startswith("wazo_"), p[1].name))[0]
            destination, plugin = folder / DATA_FILE, folder.name
            if len(plugins) > 1:
                others = ", ".join(sorted({f.name for _, f in plugins} - {folder.name}))
                plan.notes.append(f"{shown(imported.path)}: vendor {spelling} also has build plugin(s) {others}: "
                                  f"the data goes to {folder.name} and serves them all")
        else:
            spelling = imported.data.vendor
            destination, plugin = plugins_dir / VENDOR_ONLY_FOLDER / f"{imported.stem}.toml", None
        imported.data = replace(imported.data, vendor=spelling)
        plan.placements.append(Placement(imported, destination, plugin,
                                         vendor_toml(imported.data, header, imported.comments)))
    _check_destinations(plan)
    if not plan.refusals:
        _check_round_trip(plan, plugins_dir)
    return plan


def _check_destinations(plan: ImportPlan) -> None:
    seen: dict[Path, Placement] = {}
    for placement in plan.placements:
        other = seen.setdefault(placement.destination, placement)
        if other is not placement:
            plan.refusals.append(error(shown(placement.imported.path),
                                       f"goes to {shown(placement.destination)} as {shown(other.imported.path)} "
                                       "does: merge the two vendor files first"))


def _check_round_trip(plan: ImportPlan, plugins_dir: Path) -> None:
    """Each new file reads back as the imported data; all the tree's DHCP data still loads together."""
    loaded: list[VendorDhcp] = []
    for placement in plan.placements:
        try:
            data = load_dhcp_text(placement.text, placement.destination)
        except ToolchainError as exc:
            plan.refusals.append(error(shown(placement.imported.path), f"the imported data does not load: {exc}"))
            continue
        expected = replace(placement.imported.data, source=placement.destination)
        if data != expected:  # a bug here, never the user's: say so rather than write a different bundle
            raise ToolchainError(f"internal error: the data written for {placement.imported.path} would not read "
                                 "back the same; nothing written")
        loaded.append(data)
    replaced = {p.destination.resolve() for p in plan.placements}
    kept = [path for path in data_files(plugins_dir) if path.resolve() not in replaced]
    try:
        merge_vendors([load_dhcp_file(path) for path in kept] + loaded, plugins_dir)
    except ToolchainError as exc:
        plan.refusals.append(error(exc.path or shown(plugins_dir), f"after the import: {exc.message}", exc.line))


def apply_import(plan: ImportPlan, force: bool) -> None:
    """Write the planned files; existing ones are replaced only with ``force`` (else nothing is written)."""
    existing = [p.destination for p in plan.placements if p.destination.exists()]
    if existing and not force:
        names = ", ".join(shown(path) for path in existing)
        raise ToolchainError(f"{plural(len(existing), 'file')} would be replaced: {names} (--force replaces them; "
                             "nothing written)")
    for placement in plan.placements:
        placement.destination.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(placement.destination, placement.text.encode("utf-8"))
