"""DHCP identification data of build plugins (``dhcp.toml`` next to build.py).

The file says how a vendor's phones are recognised by the Wazo server's ISC dhcpd and
where provd serves them::

    vendor = "Digium"          # names the bundle file dhcpd_update/digium.conf
    provd_path = "/Digium"     # appended to VOIP.http-server-uri -> tftp-server-name

    [[class]]                  # one dhcpd class; name defaults to vendor + model
    model = "D40"
    vendor_class_prefix = "digium_D40"   # option 60 starts with this
    # mac_prefixes = ["00:0f:d3"]        # and/or the MAC starts with one of these

Everything is checked here, before any template sees it: dhcpd must never be the
first to notice a broken rule.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from repo.errors import ToolchainError

DATA_FILE = "dhcp.toml"
_PRINTABLE = re.compile(r"[\x20-\x7e]+")
_MAC_PREFIX = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){0,5}")
_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
_TOP_KEYS = {"vendor", "provd_path", "class"}
_CLASS_KEYS = {"name", "model", "vendor_class_prefix", "mac_prefixes"}


@dataclass(frozen=True)
class DhcpClass:
    name: str
    model: str | None
    vendor_class_prefix: str | None
    mac_prefixes: tuple[str, ...]


@dataclass(frozen=True)
class VendorDhcp:
    vendor: str
    provd_path: str
    classes: tuple[DhcpClass, ...]
    source: Path

    @property
    def file_stem(self) -> str:
        """The vendor's file name in the bundle: ``dhcpd_update/<stem>.conf``."""
        return re.sub(r"[^a-z0-9]+", "-", self.vendor.lower()).strip("-")

    def models(self) -> set[str]:
        return {c.model for c in self.classes if c.model}


def load_dhcp_file(path: Path) -> VendorDhcp:
    """Read and check one dhcp.toml; raise ToolchainError naming the file (and line) on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolchainError(f"cannot read DHCP data: {exc}", path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise ToolchainError(f"invalid TOML: {str(exc).split(' (at')[0]}", path, line) from None
    lines = _LineFinder(text)
    _no_unknown_keys(data, _TOP_KEYS, path, lines)
    vendor = _printable(data, "vendor", path, lines, required=True)
    provd_path = _printable(data, "provd_path", path, lines, required=True)
    if not _PATH.fullmatch(provd_path):
        raise ToolchainError(f"provd_path must be a URL path like /Vendor, not {provd_path!r}", path,
                             lines.find("provd_path"))
    raw_classes = data.get("class")
    if not isinstance(raw_classes, list) or not raw_classes:
        raise ToolchainError("at least one [[class]] is required", path)
    classes = tuple(_load_class(raw, vendor, path, lines, n) for n, raw in enumerate(raw_classes, 1))
    _unique((c.name for c in classes), "class name", path)
    if not re.sub(r"[^a-z0-9]+", "", vendor.lower()):
        raise ToolchainError(f"vendor {vendor!r} gives no usable file name", path, lines.find("vendor"))
    return VendorDhcp(vendor, provd_path, classes, path)


def _load_class(raw: object, vendor: str, path: Path, lines: "_LineFinder", number: int) -> DhcpClass:
    where = f"[[class]] #{number}"
    line = lines.nth("[[class]]", number)
    if not isinstance(raw, dict):
        raise ToolchainError(f"{where} must be a table", path, line)
    _no_unknown_keys(raw, _CLASS_KEYS, path, lines, where)
    model = _printable(raw, "model", path, lines, where=where, line=line)
    prefix = _printable(raw, "vendor_class_prefix", path, lines, where=where, line=line)
    if prefix is not None and len(prefix) > 255:
        raise ToolchainError(f"{where}: vendor_class_prefix is longer than DHCP option 60 can be", path,
                             lines.find("vendor_class_prefix", after=line) or line)
    macs = raw.get("mac_prefixes", [])
    if not isinstance(macs, list) or not all(isinstance(m, str) and _MAC_PREFIX.fullmatch(m) for m in macs):
        raise ToolchainError(f"{where}: mac_prefixes must be a list of MAC prefixes like \"00:0f:d3\"", path,
                             lines.find("mac_prefixes", after=line) or line)
    if prefix is None and not macs:
        raise ToolchainError(f"{where}: needs vendor_class_prefix or mac_prefixes to match anything", path, line)
    name = _printable(raw, "name", path, lines, where=where, line=line)
    if name is None:
        if model is None:
            raise ToolchainError(f"{where}: needs a name or a model", path, line)
        name = f"{vendor}{model}"
    return DhcpClass(name, model, prefix, tuple(m.lower() for m in macs))


def load_dhcp_data(plugins_dir: Path) -> list[VendorDhcp]:
    """Every build plugin's DHCP data, one entry per vendor (same-vendor files merged), sorted by vendor."""
    if not Path(plugins_dir).is_dir():
        raise ToolchainError("plugins folder not found", plugins_dir)
    by_vendor: dict[str, VendorDhcp] = {}
    for path in sorted(Path(plugins_dir).glob(f"*/{DATA_FILE}")):
        if not (path.parent / "build.py").is_file():
            continue
        data = load_dhcp_file(path)
        known = by_vendor.get(data.file_stem)
        by_vendor[data.file_stem] = data if known is None else _merge(known, data)
    _unique((c.name for v in by_vendor.values() for c in v.classes), "class name", Path(plugins_dir))
    return [by_vendor[stem] for stem in sorted(by_vendor)]


def _merge(first: VendorDhcp, second: VendorDhcp) -> VendorDhcp:
    if (first.vendor, first.provd_path) != (second.vendor, second.provd_path):
        raise ToolchainError(f"vendor {second.vendor!r} / provd_path {second.provd_path!r} disagree with "
                             f"{first.source} ({first.vendor!r} / {first.provd_path!r})", second.source)
    classes = {c.name: c for c in first.classes}
    for dhcp_class in second.classes:
        if classes.setdefault(dhcp_class.name, dhcp_class) != dhcp_class:
            raise ToolchainError(f"class {dhcp_class.name!r} is defined differently in {first.source}",
                                 second.source)
    return VendorDhcp(first.vendor, first.provd_path, tuple(classes.values()), first.source)


def models_without_class(data: VendorDhcp | None, models: Iterable[str]) -> list[str]:
    """Phone models a plugin supports that no DHCP class recognises."""
    known = data.models() if data else set()
    return sorted(set(models) - known)


def dhcpd_string(value: str) -> str:
    """``value`` as a dhcpd string literal: quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _printable(table: dict, key: str, path: Path, lines: "_LineFinder", required: bool = False,
               where: str = "", line: int | None = None) -> str | None:
    value = table.get(key)
    prefix = f"{where}: " if where else ""
    if value is None:
        if required:
            raise ToolchainError(f"{prefix}missing required key {key!r}", path, line)
        return None
    if not isinstance(value, str) or not _PRINTABLE.fullmatch(value):
        raise ToolchainError(f"{prefix}{key} must be non-empty printable ASCII text, not {value!r}", path,
                             lines.find(key, after=line) or line)
    return value


def _no_unknown_keys(table: dict, allowed: set[str], path: Path, lines: "_LineFinder", where: str = "") -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{where}: " if where else ""
            raise ToolchainError(f"{prefix}unknown key {key!r} (known: {', '.join(sorted(allowed))})", path,
                                 lines.find(key))


def _unique(names: Iterable[str], what: str, path: Path) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise ToolchainError(f"{what} {name!r} is used twice", path)
        seen.add(name)


def _line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


class _LineFinder:
    """Line numbers of keys and headers in a TOML text, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def find(self, key: str, after: int | None = None) -> int | None:
        pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
        for number, line in enumerate(self.lines[(after or 1) - 1:], after or 1):
            if pattern.match(line):
                return number
        return None

    def nth(self, header: str, count: int) -> int | None:
        seen = 0
        for number, line in enumerate(self.lines, 1):
            if line.strip() == header:
                seen += 1
                if seen == count:
                    return number
        return None
