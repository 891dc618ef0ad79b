"""plugin-info rules (contract section 4): JSON, required keys, versions, capabilities.

provd reads plugin-info with ``json.load``, requires ``capabilities``, ``description`` and
``version``, refuses to load a plugin whose interface version range excludes its own
(0.2, with the default ``check_compat_min/max``), and passes everything else, capabilities
included, unread to its REST API: what is wrong inside capabilities is a warning.
"""
from __future__ import annotations

import difflib
import json
import math
import os
import sys

from repo.package.version import is_version
from repo.validation.findings import Finding, decode_text
from repo.validation.jsonlines import KeyLines
from repo.validation.rules import finding

REQUIRED = {"version": str, "description": str, "capabilities": dict}
# Optional keys provd knows; it passes them (and any other) through to its REST API.
VENDOR_KEYS = {"vendor": str, "vendor.url": str, "vendor.description": str, "vendor.official": bool}
OFFICIAL_INTEGERS = (0, 1)  # real trees write vendor.official as 0/1; provd passes it through
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
DOCUMENTED = (*CAPABILITY_TYPES, *CAPABILITY_CHOICES)
LEGACY_CAPABILITIES = {"sip.lines": "lines"}
# Misspellings seen in real trees, too short for a similarity match to suggest the key.
CAPABILITY_TYPOS = {"proto": "protocol", "ha": "high_availability", "expansions": "expansion_modules"}


def check_plugin_info(data: str | bytes, path: str | os.PathLike) -> tuple[dict | None, list[Finding]]:
    """Check a plugin-info text; return the parsed object (None if not a JSON object) and the findings."""
    data, undecodable = decode_text(data, path)
    if data is None:
        return None, [finding("plugin-info-syntax", f.path, f.message, f.line) for f in undecodable]
    repeated: list[str] = []
    try:
        info = json.loads(data, object_pairs_hook=_noting_repeats(repeated))
    except json.JSONDecodeError as exc:
        return None, [finding("plugin-info-syntax", path, f"invalid JSON: {exc.msg} (column {exc.colno})",
                              exc.lineno)]
    except RecursionError:
        return None, [finding("plugin-info-syntax", path, "invalid JSON: nested too deeply")]
    except ValueError:  # only an integer too long to convert gets here
        return None, [finding("plugin-info-syntax", path, f"invalid JSON: a number with more digits than Python "
                                                          f"reads ({sys.get_int_max_str_digits()})")]
    if not isinstance(info, dict):
        return None, [finding("plugin-info-syntax", path, "plugin-info must be a JSON object", 1)]
    checker = _Checker(path, data)
    for key in repeated:
        checker.report("repeated-key", f"key {key!r} appears twice in one object: JSON readers keep only the last "
                                       "one", key)
    checker.top_level(info)
    unencodable = _unencodable(info)
    if unencodable is not None:
        checker.report("plugin-info-text", *unencodable)
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

    def report(self, code: str, message: str, *keys: str) -> None:
        self.findings.append(finding(code, self.path, message, self._line(keys) if keys else None))

    def top_level(self, info: dict) -> None:
        for key, kind in REQUIRED.items():
            if key not in info:
                self.report("plugin-info-key", f"missing required key {key!r}")
            elif not isinstance(info[key], kind):
                self.report("plugin-info-key", f"{key!r} must be {_kind_name(kind)}, not {_json_name(info[key])}",
                            key)
        if isinstance(info.get("version"), str) and not is_version(info["version"]):
            self.report("plugin-info-key", f"version {info['version']!r} is not shaped like a version (e.g. 0.3 or "
                                           "1.2.0-rc1)", "version")
        for key, value in info.items():
            if key in REQUIRED:
                continue
            if key.startswith(LOCALISED_PREFIX):
                if not isinstance(value, str):
                    self.report("plugin-info-key", f"{key!r} must be a string, not {_json_name(value)}", key)
            elif key in VENDOR_KEYS:
                self._vendor_key(key, value)
            elif key in IFACE_KEYS:
                self._iface_version(key, value)
            else:
                self.report("unknown-key", f"unknown key {key!r} (provd only passes it through to its REST API)", key)
        if isinstance(info.get("capabilities"), dict):
            self._capabilities(info["capabilities"])

    def _vendor_key(self, key: str, value: object) -> None:
        kind = VENDOR_KEYS[key]
        if isinstance(value, kind) or kind is bool and _is_number(value) and value in OFFICIAL_INTEGERS:
            return
        wanted = f"{_kind_name(kind)} (or 0/1)" if kind is bool else _kind_name(kind)
        self.report("vendor-key", f"{key!r} should be {wanted}, not {_json_name(value)}", key)

    def _iface_version(self, key: str, value: object) -> None:
        if not _is_number(value):
            self.report("iface-version", f"{key!r} must be a number (provd's plugin interface version is "
                                         f"{PROVD_IFACE_VERSION}), not {_json_name(value)}", key)
        elif value > PROVD_IFACE_VERSION if key.endswith("_min") else value < PROVD_IFACE_VERSION:
            self.report("iface-version", f"{key} {value} excludes provd's plugin interface version "
                                         f"{PROVD_IFACE_VERSION}: provd refuses to load the plugin", key)

    def _capabilities(self, capabilities: dict) -> None:
        unknown: dict[str, list[str]] = {}
        for device, capability in capabilities.items():
            where = ("capabilities", device)
            parts = [part.strip() for part in device.split(",")]
            if len(parts) != 3 or not all(parts):
                self.report("capability-name", f"capability key {device!r} is not a 'vendor, model, version' "
                                               "triple (use * for any)", *where)
            if not isinstance(capability, dict):
                self.report("capability-value", f"capabilities of {device!r} must be an object, not "
                                                f"{_json_name(capability)}", *where)
                continue
            for key, value in capability.items():
                if key in CAPABILITY_TYPES or key in CAPABILITY_CHOICES:
                    self._capability(device, capability, key, value)
                else:
                    unknown.setdefault(key, []).append(device)
        for key, devices in unknown.items():  # one line per key: a typo is usually copied to every model
            where = f"in {len(devices)} capabilities" if len(devices) > 1 else f"in {devices[0]!r}"
            at = ("capabilities", devices[0], key)
            if key in LEGACY_CAPABILITIES:
                self.report("capability-legacy", f"legacy capability key {key!r} {where} (documented: "
                                                 f"{LEGACY_CAPABILITIES[key]!r}; provd ignores it)", *at)
                continue
            guess = CAPABILITY_TYPOS.get(key) or next(iter(difflib.get_close_matches(key, DOCUMENTED, 1)), None)
            hint = f"did you mean {guess!r}? " if guess else ""
            self.report("capability-key", f"unknown capability key {key!r} {where} ({hint}provd ignores it; "
                                          f"documented keys: {', '.join(DOCUMENTED)})", *at)

    def _capability(self, device: str, capability: dict, key: str, value: object) -> None:
        where = ("capabilities", device, key)
        if key in CAPABILITY_CHOICES:
            if value not in CAPABILITY_CHOICES[key]:
                self.report("capability-value", f"{device!r}: {key} must be one of "
                                                f"{', '.join(CAPABILITY_CHOICES[key])}, not {json.dumps(value)}",
                            *where)
        elif not _has_kind(value, CAPABILITY_TYPES[key]):
            self.report("capability-value", f"{device!r}: {key} must be {_kind_name(CAPABILITY_TYPES[key])}, not "
                                            f"{_json_name(value)}", *where)
        elif CAPABILITY_TYPES[key] is int and value < 0:
            self.report("capability-value", f"{device!r}: {key} cannot be negative", *where)
        if key == "multicell" and capability.get("type") not in DECT_TYPES:
            self.report("capability-value", f"{device!r}: multicell is only meaningful with type "
                                            f"{' or '.join(DECT_TYPES)}", *where)


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
