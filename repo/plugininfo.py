"""Reading a plugin-info file: the JSON object every plugin and package carries."""
from __future__ import annotations

import json
import os

from repo.errors import ToolchainError

REQUIRED_KEYS = {"version": str, "description": str, "capabilities": dict}


def parse_plugin_info(text: str | bytes, path: str | os.PathLike) -> dict:
    """Parse plugin-info text; raise a ToolchainError naming ``path`` (and line) when provd would refuse it."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ToolchainError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolchainError(f"invalid JSON: {exc.msg} (column {exc.colno})", path, exc.lineno) from None
    if not isinstance(info, dict):
        raise ToolchainError("plugin-info must be a JSON object", path, 1)
    for key, kind in REQUIRED_KEYS.items():
        if key not in info:
            raise ToolchainError(f"missing required key {key!r}", path)
        if not isinstance(info[key], kind):
            raise ToolchainError(f"key {key!r} must be a JSON {_json_kind(kind)}", path)
    return info


def read_plugin_info(path: str | os.PathLike) -> dict:
    """Read and parse a plugin-info file."""
    try:
        data = open(path, "rb").read()
    except OSError as exc:
        raise ToolchainError(f"cannot read plugin-info: {exc.strerror}", path) from None
    return parse_plugin_info(data, path)


def _json_kind(kind: type) -> str:
    return {str: "string", dict: "object"}[kind]
