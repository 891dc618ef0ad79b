"""plugin-info rules (contract section 4): JSON, required keys, versions, capabilities."""
from __future__ import annotations

import json
import math
import os

from repo.package.version import is_version
from repo.validation.findings import Finding, decode_text, error, warning
from repo.validation.jsonlines import KeyLines

REQUIRED = {"version": str, "description": str, "capabilities": dict}
# Optional keys provd knows; it passes them (and any other) through to its REST API.
VENDOR_KEYS = {"vendor": str, "vendor.url": str, "vendor.description": str, "vendor.official": bool}
IFACE_KEYS = ("plugin_iface_version_min", "plugin_iface_version_max")
PROVD_IFACE_VERSION = 0.2
LOCALISED_PREFIX = "description_"

DECT_TYPES = ("dect", "wifidect")
DEVICE_TYPES = ("deskphone", "dect", "wifidect", "conference", "pager", "ata", "softphone", "doorphone",
                "generic", "gateway")
CAPABILITY_TYPES = {
    "lines": int, "high_availability": bool, "function_keys": int, "expansion_modules": int,
    "switchboard": bool, "multicell": bool,
}
CAPABILITY_CHOICES = {"protocol": ("sip", "sccp"), "type": DEVICE_TYPES}
LEGACY_CAPABILITIES = {"sip.lines": "lines"}


def check_plugin_info(data: str | bytes, path: str | os.PathLike) -> tuple[dict | None, list[Finding]]:
    """Check a plugin-info text; return the parsed object (None if not a JSON object) and the findings."""
    data, undecodable = decode_text(data, path)
    if data is None:
        return None, undecodable
    repeated: list[str] = []
    try:
        info = json.loads(data, object_pairs_hook=_noting_repeats(repeated))
    except json.JSONDecodeError as exc:
        return None, [error(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno)]
    except RecursionError:
        return None, [error(path, "invalid JSON: nested too deeply")]
    if not isinstance(info, dict):
        return None, [error(path, "plugin-info must be a JSON object", 1)]
    checker = _Checker(path, data)
    for key in repeated:
        checker.warn(f"key {key!r} appears twice in one object: JSON readers keep only the last one", key)
    checker.top_level(info)
    unencodable = _unencodable(info)
    if unencodable is not None:
        checker.fail(*unencodable)
    return info, checker.findings


def _unencodable(value: object) -> tuple | None:
    """(message, *key path) of the first value the index could not carry to every reader, or None.

    A lone surrogate (``\\ud800``) is text no page or terminal can encode; NaN and
    Infinity are numbers Python reads but JSON does not have.
    """
    pending: list[tuple[object, tuple]] = [(value, ())]
    while pending:
        value, keys = pending.pop()
        if isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value):
            return ("text that cannot be encoded (a lone surrogate such as \\ud800): no page or terminal can show it",
                    *keys)
        if isinstance(value, float) and not math.isfinite(value):
            return (f"{json.dumps(value)} is not JSON (only Python reads it)", *keys)
        if isinstance(value, dict):
            pending += [(key, keys) for key in value] + [(item, (*keys, key)) for key, item in value.items()]
        elif isinstance(value, list):
            pending += [(item, (*keys, index)) for index, item in enumerate(value)]
    return None


def _noting_repeats(repeated: list[str]):
    def build(pairs: list[tuple[str, object]]) -> dict:
        result = {}
        for key, value in pairs:
            if key in result:
                repeated.append(key)
            result[key] = value
        return result
    return build


class _Checker:
    """Collects the findings of one plugin-info, with the line of the key each one is about."""

    def __init__(self, path: str | os.PathLike, text: str):
        self.path, self.text = path, text
        self.findings: list[Finding] = []
        self._lines: KeyLines | None = None

    def _line(self, keys: tuple) -> int | None:
        if self._lines is None:
            self._lines = KeyLines(self.text)  # only located when a finding needs it
        return self._lines.line(*keys)

    def fail(self, message: str, *keys: str) -> None:
        self.findings.append(error(self.path, message, self._line(keys) if keys else None))

    def warn(self, message: str, *keys: str) -> None:
        self.findings.append(warning(self.path, message, self._line(keys) if keys else None))

    def top_level(self, info: dict) -> None:
        for key, kind in REQUIRED.items():
            if key not in info:
                self.fail(f"missing required key {key!r}")
            elif not isinstance(info[key], kind):
                self.fail(f"{key!r} must be {_kind_name(kind)}, not {_json_name(info[key])}", key)
        if isinstance(info.get("version"), str) and not is_version(info["version"]):
            self.fail(f"version {info['version']!r} is not shaped like a version (e.g. 0.3 or 1.2.0-rc1)",
                      "version")
        for key, value in info.items():
            if key in REQUIRED:
                continue
            if key.startswith(LOCALISED_PREFIX):
                if not isinstance(value, str):
                    self.fail(f"{key!r} must be a string, not {_json_name(value)}", key)
            elif key in VENDOR_KEYS:
                if not isinstance(value, VENDOR_KEYS[key]):
                    self.warn(f"{key!r} should be {_kind_name(VENDOR_KEYS[key])}, not {_json_name(value)}", key)
            elif key in IFACE_KEYS:
                self._iface_version(key, value)
            else:
                self.warn(f"unknown key {key!r} (provd only passes it through to its REST API)", key)
        if isinstance(info.get("capabilities"), dict):
            self._capabilities(info["capabilities"])

    def _iface_version(self, key: str, value: object) -> None:
        if not _is_number(value):
            self.fail(f"{key!r} must be a number (provd's plugin interface version is {PROVD_IFACE_VERSION}), "
                      f"not {_json_name(value)}", key)
        elif value > PROVD_IFACE_VERSION if key.endswith("_min") else value < PROVD_IFACE_VERSION:
            self.warn(f"{key} {value} excludes provd's plugin interface version {PROVD_IFACE_VERSION}", key)

    def _capabilities(self, capabilities: dict) -> None:
        unknown: dict[str, list[str]] = {}
        for device, capability in capabilities.items():
            where = ("capabilities", device)
            parts = [part.strip() for part in device.split(",")]
            if len(parts) != 3 or not all(parts):
                self.fail(f"capability key {device!r} is not a 'vendor, model, version' triple "
                          "(use * for any)", *where)
            if not isinstance(capability, dict):
                self.fail(f"capabilities of {device!r} must be an object, not {_json_name(capability)}", *where)
                continue
            for key, value in capability.items():
                if key in CAPABILITY_TYPES or key in CAPABILITY_CHOICES:
                    self._capability(device, capability, key, value)
                else:
                    unknown.setdefault(key, []).append(device)
        for key, devices in unknown.items():
            hint = f"legacy spelling of {LEGACY_CAPABILITIES[key]!r}; " if key in LEGACY_CAPABILITIES else ""
            where = f"in {len(devices)} capabilities" if len(devices) > 1 else f"in {devices[0]!r}"
            self.warn(f"unknown capability key {key!r} {where} ({hint}provd ignores it; documented keys: "
                      f"{', '.join([*CAPABILITY_TYPES, *CAPABILITY_CHOICES])})", "capabilities", devices[0], key)

    def _capability(self, device: str, capability: dict, key: str, value: object) -> None:
        where = ("capabilities", device, key)
        if key in CAPABILITY_CHOICES:
            if value not in CAPABILITY_CHOICES[key]:
                self.fail(f"{device!r}: {key} must be one of {', '.join(CAPABILITY_CHOICES[key])}, not "
                          f"{json.dumps(value)}", *where)
        elif not _has_kind(value, CAPABILITY_TYPES[key]):
            self.fail(f"{device!r}: {key} must be {_kind_name(CAPABILITY_TYPES[key])}, not {_json_name(value)}",
                      *where)
        elif CAPABILITY_TYPES[key] is int and value < 0:
            self.fail(f"{device!r}: {key} cannot be negative", *where)
        if key == "multicell" and capability.get("type") not in DECT_TYPES:
            self.fail(f"{device!r}: multicell is only meaningful with type {' or '.join(DECT_TYPES)}", *where)


def _has_kind(value: object, kind: type) -> bool:
    # JSON true/false are Python bools, which are ints too: keep them apart.
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind_name(kind: type) -> str:
    return {str: "a string", dict: "an object", int: "an integer", bool: "a boolean"}[kind]


def _json_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return json.dumps(value)
    return {str: "a string", dict: "an object", list: "an array", int: "an integer", float: "a number"}[type(value)]
