"""DHCP rules of a build plugin: its dhcp.toml loads, and every model it supports has a class.

A model with no class still gets its configuration from provd, but its phones never
learn provd's address from the Wazo server's DHCP: worth a warning, not a failure.
"""
from __future__ import annotations

import json
from pathlib import Path

from repo.dhcp import DATA_FILE, load_dhcp_file, models_without_class
from repo.errors import ToolchainError
from repo.validation.findings import Finding, from_error, warning
from repo.validation.tree import PLUGIN_INFO


def check_dhcp_classes(plugin_folder: Path, tree: Path) -> list[Finding]:
    """Findings about ``plugin_folder``'s DHCP data against the models of the plugin built in ``tree``.

    Paths are like the other checks': relative to the tree (the plugin-info), or the
    data file's own path.
    """
    data_path = plugin_folder / DATA_FILE
    try:
        data = load_dhcp_file(data_path) if data_path.is_file() else None
        capabilities = json.loads((tree / PLUGIN_INFO).read_bytes())["capabilities"]
        models = {parts[1].strip() for parts in (key.split(",") for key in capabilities) if len(parts) == 3}
    except ToolchainError as exc:
        return [from_error(exc)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []  # an unreadable plugin-info is reported by its own check
    models.discard("*")
    where = f"none in {data_path.name}" if data else f"no {data_path.name} next to build.py"
    return [warning(PLUGIN_INFO, f"model {model} has no DHCP class ({where}): its phones will not be "
                                 "pointed at provd by the Wazo server's DHCP")
            for model in models_without_class(data, models)]
