"""DHCP rules of build plugins: the DHCP data loads, and every model a plugin supports has some.

Checked once per build plugin, over the models of all its built targets: the data is
not packaged, so it is not part of any target. A model no class or MAC prefix of its
vendor is for still gets its configuration from provd, but its phones never learn
provd's address from the Wazo server's DHCP: one warning per build plugin, listing
the models.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from repo.dhcp.data import (
    DATA_FILE,
    VENDOR_ONLY_FOLDER,
    VendorDhcp,
    data_files,
    load_dhcp_file,
    merge_vendors,
    models_without_class,
    vendor_key,
)
from repo.errors import ToolchainError
from repo.package.models import WILDCARD, models_of
from repo.validation.findings import Finding
from repo.validation.rules import finding
from repo.validation.sources import shown
from repo.validation.tree import PLUGIN_INFO



def check_dhcp(plugins_dir: Path, built: dict[Path, list[Path]], whole_tree: bool) -> list[Finding]:
    """Findings about the DHCP data of the build plugins in ``built`` (folder -> its targets' built trees).

    ``whole_tree``: also the vendor-only data and the rules across vendors (a run over
    every build plugin, not a selection).
    """
    findings: list[Finding] = []
    loaded: list[VendorDhcp] = []
    in_scope = {Path(folder).resolve() for folder in built}
    for path in data_files(plugins_dir):
        try:
            loaded.append(load_dhcp_file(path))
        except ToolchainError as exc:
            if whole_tree or path.parent.resolve() in in_scope:
                findings.append(finding("dhcp-data", shown(Path(exc.path or path)), exc.message, exc.line))
    if whole_tree and not findings:
        try:
            merge_vendors(loaded, Path(plugins_dir))
        except ToolchainError as exc:
            findings.append(finding("dhcp-data", shown(Path(exc.path or plugins_dir)), exc.message, exc.line))
    by_folder: dict[Path, list[VendorDhcp]] = {}  # the data files next to each build.py
    for data in loaded:
        by_folder.setdefault(data.source.parent.resolve(), []).append(data)
    for folder, trees in sorted(built.items()):
        uncovered = _coverage(Path(folder), trees, loaded, by_folder.get(Path(folder).resolve(), []))
        if uncovered is not None:
            findings.append(uncovered)
    return findings


def _coverage(folder: Path, trees: Iterable[Path], loaded: list[VendorDhcp],
              own: list[VendorDhcp]) -> Finding | None:
    """The dhcp-coverage finding of a build plugin (``own``: its data files), if some model has no data."""
    models: dict[str, set[str]] = {}  # vendor -> models, from the built plugin-info files
    for tree in trees:
        for model in models_of("", _plugin_info(Path(tree) / PLUGIN_INFO)):
            if model.model not in ("", WILDCARD):
                models.setdefault(model.vendor, set()).add(model.model)
    missing, described = set(), False
    for vendor, names in models.items():
        data = own + [d for d in loaded if vendor_key(d.vendor) == vendor_key(vendor)]
        described = described or bool(data)
        missing.update(models_without_class(data, names))
    if not missing:
        return None
    where = "no class or MAC prefix of their vendor names them" if described else \
        f"no {DATA_FILE} next to build.py, no data for their vendor in {VENDOR_ONLY_FOLDER}/"
    missing = sorted(missing)
    return finding("dhcp-coverage", shown(folder / DATA_FILE), f"{_models(missing)} no DHCP data ({where}): their "
                                                               "phones will not be pointed at provd by the Wazo "
                                                               "server's DHCP")


def _models(names: list[str]) -> str:
    return f"model {names[0]} has" if len(names) == 1 else f"models {', '.join(names)} have"


def _plugin_info(path: Path) -> dict:
    """A built plugin-info's content; an unreadable one counts as no model (its own check reports it)."""
    try:
        info = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # recursion: nested thousands deep
        return {}
    return info if isinstance(info, dict) else {}
