"""DHCP rules of a build plugin: its dhcp.toml loads, and every model it supports has a class.

A model with no class still gets its configuration from provd, but its phones never
learn provd's address from the Wazo server's DHCP: worth a warning, not a failure.
"""
from __future__ import annotations

from pathlib import Path

from repo.dhcp.data import DATA_FILE, load_dhcp_file, models_without_class
from repo.errors import ToolchainError
from repo.package.models import WILDCARD, models_of
from repo.validation.findings import Finding, from_error, warning
from repo.validation.tree import PLUGIN_INFO


def check_dhcp_classes(plugin_folder: Path, plugin_info: dict | None) -> list[Finding]:
    """Findings about ``plugin_folder``'s DHCP data against the models of a built plugin's plugin-info.

    Paths are like the other checks': the plugin-info (relative to the tree), or the
    data file's own path.
    """
    data_path = plugin_folder / DATA_FILE
    try:
        data = load_dhcp_file(data_path) if data_path.is_file() else None
    except ToolchainError as exc:
        return [from_error(exc, code="dhcp-data")]
    if plugin_info is None:
        return []  # an unreadable plugin-info is reported by its own check
    models = {model.model for model in models_of("", plugin_info)} - {"", WILDCARD}
    where = f"none in {data_path.name}" if data else f"no {data_path.name} next to build.py"
    return [warning(PLUGIN_INFO, f"model {model} has no DHCP class ({where}): its phones will not be "
                                 "pointed at provd by the Wazo server's DHCP", code="dhcp-class")
            for model in models_without_class(data, models)]
