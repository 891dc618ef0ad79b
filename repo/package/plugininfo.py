"""Reading a plugin-info file: the JSON object every plugin and package carries.

The rules live in ``repo.validation.plugininfo``; here a plugin-info with any error
is refused as a whole (the first error, and how many more).
"""
from __future__ import annotations

import os

from repo.errors import ToolchainError
from repo.validation.findings import raise_first_error
from repo.validation.plugininfo import check_plugin_info


def parse_plugin_info(text: str | bytes, path: str | os.PathLike) -> dict:
    """Parse plugin-info text; raise a ToolchainError naming ``path`` (and line) when it has an error."""
    info, findings = check_plugin_info(text, path)
    raise_first_error(findings)
    return info


def read_plugin_info(path: str | os.PathLike) -> dict:
    """Read and parse a plugin-info file."""
    try:
        data = open(path, "rb").read()
    except OSError as exc:
        raise ToolchainError(f"cannot read plugin-info: {exc.strerror}", path) from None
    return parse_plugin_info(data, path)
