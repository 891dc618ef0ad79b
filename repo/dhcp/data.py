"""DHCP data: how a vendor's phones are recognised by the Wazo server's ISC dhcpd, read from TOML.

A build plugin keeps its vendor's data in ``dhcp.toml`` next to its ``build.py``; a
vendor without a build plugin (older phones still in the field) in
``<plugins-dir>/_dhcp/<vendor>.toml``. The format (README "DHCP bundle")::

    vendor = "Digium"            # names the bundle file dhcpd_update/digium.conf
    provd_path = "/Digium"       # default of every group and MAC prefix: VOIP.http-server-uri + path

    [[class]]                    # one dhcpd class; name defaults to vendor + model
    model = "D40"
    vendor_class_prefix = "digium_D40"      # short for match = [{ prefix = "digium_D40" }]

    [[mac_prefix]]               # a subclass of "voip-mac-address-prefix"
    prefix = "00:0f:d3"
    models = ["D40"]

Everything is checked here, before any template sees it: dhcpd must never be the
first to notice a broken rule.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from repo.dhcp.statements import (
    BUILTIN_SPACES,
    declared_spaces,
    parse_statements,
    used_spaces,
)
from repo.errors import ToolchainError

DATA_FILE = "dhcp.toml"
VENDOR_ONLY_FOLDER = "_dhcp"  # <plugins-dir>/_dhcp/<vendor>.toml: vendors without a build plugin
MAC_CLASS = "voip-mac-address-prefix"
VENDOR_CLASS, USER_CLASS = "vendor-class-identifier", "user-class"
MATCH_KINDS = ("exact", "prefix", "suffix", "substring")
HTTP, TFTP = "http", "tftp"
MAX_DATA_FILE = 1 << 20

_PRINTABLE = re.compile(r"[\x20-\x7e]+")
_OCTET = "[0-9a-fA-F]{2}"
_MAC_PREFIX = re.compile(rf"{_OCTET}:{_OCTET}:{_OCTET}")
_PATH = re.compile(r"(/[A-Za-z0-9._~/-]*)?")
_TOP_KEYS = {"vendor", "provd_path", "provd_server", "declarations", "group", "class", "mac_prefix"}
_PROVD_KEYS = {"provd_path", "provd_server"}
_GROUP_KEYS = {"name", "statements"} | _PROVD_KEYS
_CLASS_KEYS = {"name", "model", "models", "match", "vendor_class_prefix", "pool", "group", "log",
               "statements"} | _PROVD_KEYS
_MAC_KEYS = {"prefix", "model", "models", "pool", "log", "statements"} | _PROVD_KEYS
_MOVED = {"mac_prefixes": "MAC prefixes are [[mac_prefix]] tables now, one per prefix (prefix = \"00:0f:d3\")"}


@dataclass(frozen=True)
class MatchRule:
    """One alternative of a class's match: a test on option 60 (or 77) against a value of bytes."""

    kind: str  # exact, prefix, suffix or substring
    value: str  # one character per byte
    offset: int = 0  # where a substring starts
    option: str = VENDOR_CLASS


@dataclass(frozen=True)
class ProvdAddress:
    """Where phones find provd, given as ``option tftp-server-name``: HTTP base URL + path, or the TFTP server."""

    server: str = HTTP
    path: str = ""


@dataclass(frozen=True)
class Group:
    name: str
    provd: ProvdAddress | None
    statements: tuple[str, ...]


@dataclass(frozen=True)
class DhcpClass:
    name: str
    models: tuple[str, ...]
    match: tuple[MatchRule, ...]
    pool: bool = True
    group: str | None = None
    provd: ProvdAddress | None = None
    log: str = ""
    statements: tuple[str, ...] = ()

    @property
    def model(self) -> str | None:
        return self.models[0] if len(self.models) == 1 else None


@dataclass(frozen=True)
class MacPrefix:
    prefix: str  # three octets, lowercase: "00:0f:d3"
    models: tuple[str, ...] = ()
    pool: bool = True
    provd: ProvdAddress | None = None  # the vendor's default already applied
    log: str | None = None  # None: no log line
    statements: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The subclass key: hardware type 1 (Ethernet), then the prefix."""
        return f"1:{self.prefix}"


@dataclass(frozen=True)
class VendorDhcp:
    vendor: str
    provd: ProvdAddress | None
    declarations: tuple[str, ...]
    groups: tuple[Group, ...]
    classes: tuple[DhcpClass, ...]
    mac_prefixes: tuple[MacPrefix, ...]
    source: Path

    @property
    def file_stem(self) -> str:
        """The vendor's file name in the bundle: ``dhcpd_update/<stem>.conf``."""
        return vendor_stem(self.vendor)

    def models(self) -> set[str]:
        """Models some class or MAC prefix says it is for."""
        return {m for entry in (*self.classes, *self.mac_prefixes) for m in entry.models}



def vendor_stem(vendor: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", vendor.lower()).strip("-")


def vendor_key(vendor: str) -> str:
    """What identifies a vendor across spellings: ``Cisco SPA``, ``cisco_spa`` and ``cisco-spa`` alike."""
    return re.sub(r"[^a-z0-9]+", "", vendor.lower())


# --- reading ------------------------------------------------------------------------------------

def load_dhcp_file(path: Path) -> VendorDhcp:
    """Read and check one DHCP data file; raise ToolchainError naming the file (and line) on any problem."""
    try:
        if path.stat().st_size > MAX_DATA_FILE:
            raise ToolchainError(f"DHCP data larger than {MAX_DATA_FILE} bytes", path)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolchainError(f"cannot read DHCP data: {exc}", path) from None
    return load_dhcp_text(text, path)


def load_dhcp_text(text: str, path: Path) -> VendorDhcp:
    """Check DHCP data read from ``path``; raise ToolchainError naming the file (and line) on any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise ToolchainError(f"invalid TOML: {str(exc).split(' (at')[0]}", path, line) from None
    top = _Table(data, path, _LineFinder(text), "", 1)
    top.known_keys(_TOP_KEYS)
    vendor = top.text("vendor", required=True)
    if not vendor_stem(vendor):
        raise ToolchainError(f"vendor {vendor!r} gives no usable file name", path, top.line_of("vendor"))
    provd = top.provd()
    declarations = top.statements("declarations", declarations=True)
    groups = tuple(_load_group(t) for t in top.tables("group"))
    group_names = {g.name for g in groups}
    classes = tuple(_load_class(t, vendor, group_names) for t in top.tables("class"))
    mac_prefixes = tuple(_load_mac_prefix(t, vendor, provd) for t in top.tables("mac_prefix"))
    if not classes and not mac_prefixes:
        raise ToolchainError("at least one [[class]] or [[mac_prefix]] is required", path)
    used = {c.group for c in classes}
    unused = [n for n, g in enumerate(groups, 1) if g.name not in used]
    if unused:
        raise ToolchainError(f"[[group]] #{unused[0]} is the group of no class (a group applies to classes "
                             "only, not to MAC prefixes)", path, top.line_of_table("group", unused[0]))
    _unique(((c.name, top.line_of_table("class", n)) for n, c in enumerate(classes, 1)), "class name", path)
    _unique(((g.name, top.line_of_table("group", n)) for n, g in enumerate(groups, 1)), "group name", path)
    _unique(((m.prefix, top.line_of_table("mac_prefix", n)) for n, m in enumerate(mac_prefixes, 1)),
            "MAC prefix", path)
    vendor_data = VendorDhcp(vendor, provd, declarations, groups, classes, mac_prefixes, path)
    _check_spaces(vendor_data)
    return vendor_data


def _load_group(table: "_Table") -> Group:
    table.known_keys(_GROUP_KEYS)
    return Group(table.text("name", required=True), table.provd(), table.statements("statements"))


def _load_class(table: "_Table", vendor: str, groups: set[str]) -> DhcpClass:
    table.known_keys(_CLASS_KEYS)
    models = table.models()
    match = table.match_rules()
    name = table.text("name")
    if name is None:
        if len(models) != 1:
            raise table.error("needs a name (or exactly one model to name it after)")
        name = f"{vendor}{models[0]}"
    if name == MAC_CLASS:
        raise table.error(f"the class name {MAC_CLASS!r} is the MAC prefixes' own", "name")
    group = table.text("group")
    if group is not None and group not in groups:
        raise table.error(f"group {group!r} is not one of this file's [[group]] names", "group")
    log = table.text("log") or f"BOOT {vendor} {models[0] if len(models) == 1 else name}"
    provd = table.provd()
    statements = table.statements("statements")
    _provd_once(provd, statements, table)
    return DhcpClass(name, models, match, table.flag("pool", True), group, provd, log, statements)


def _load_mac_prefix(table: "_Table", vendor: str, default: ProvdAddress | None) -> MacPrefix:
    table.known_keys(_MAC_KEYS)
    prefix = table.text("prefix", required=True)
    if not _MAC_PREFIX.fullmatch(prefix):
        raise table.error(f"prefix must be the first three octets of a MAC address like \"00:0f:d3\", "
                          f"not {prefix!r}", "prefix")
    models = table.models()
    log: str | None
    if table.raw.get("log") is False:
        log = None
    else:
        log = table.text("log") or f"BOOT {vendor}" + (f" {models[0]}" if len(models) == 1 else "")
    statements = table.statements("statements")
    own = table.provd()
    _provd_once(own, statements, table)
    provd = own if own is not None or _sets_provd(statements) else default
    return MacPrefix(prefix.lower(), models, table.flag("pool", True), provd, log, statements)


def _provd_once(provd: ProvdAddress | None, statements: tuple[str, ...], table: "_Table") -> None:
    if provd is not None and _sets_provd(statements):
        raise table.error("sets tftp-server-name twice: with provd_path/provd_server and in statements",
                          "statements")


_SETS_PROVD = re.compile(r"\b(option|supersede|default|append|prepend) tftp-server-name(?![\w.-])")


def _sets_provd(statements: tuple[str, ...]) -> bool:
    return any(_SETS_PROVD.search(text) for text in statements)


def _check_spaces(data: VendorDhcp) -> None:
    """Option spaces used must be declared by the same vendor: the bundle must not depend on file order."""
    declared = declared_spaces(data.declarations) | BUILTIN_SPACES
    statements = [s for entry in (*data.groups, *data.classes, *data.mac_prefixes) for s in entry.statements]
    unknown = sorted(used_spaces(statements) - declared)
    if unknown:
        raise ToolchainError(f"option space {unknown[0]!r} is used but not declared in this file's "
                             f"declarations (e.g. 'option space {unknown[0]};')", data.source)


def data_files(plugins_dir: Path) -> list[Path]:
    """Every DHCP data file of a plugins folder: build plugins' dhcp.toml, then _dhcp/*.toml."""
    plugins_dir = Path(plugins_dir)
    if not plugins_dir.is_dir():
        raise ToolchainError("plugins folder not found", plugins_dir)
    plugin_files = [p for p in sorted(plugins_dir.glob(f"*/{DATA_FILE}")) if (p.parent / "build.py").is_file()]
    return plugin_files + sorted((plugins_dir / VENDOR_ONLY_FOLDER).glob("*.toml"))


def load_dhcp_data(plugins_dir: Path) -> list[VendorDhcp]:
    """All DHCP data of a plugins folder, one entry per vendor (same-vendor files merged), sorted by vendor."""
    return merge_vendors([load_dhcp_file(path) for path in data_files(plugins_dir)], Path(plugins_dir))


def merge_vendors(files: Iterable[VendorDhcp], where: Path) -> list[VendorDhcp]:
    """Same-vendor data merged; class names and MAC prefixes unique across the whole bundle."""
    by_vendor: dict[str, VendorDhcp] = {}
    for data in files:
        known = by_vendor.get(data.file_stem)
        by_vendor[data.file_stem] = data if known is None else _merge(known, data)
    vendors = [by_vendor[stem] for stem in sorted(by_vendor)]
    _unique_across(vendors, lambda v: [c.name for c in v.classes], "class name")
    _unique_across(vendors, lambda v: [m.prefix for m in v.mac_prefixes], "MAC prefix")
    return vendors


def _merge(first: VendorDhcp, second: VendorDhcp) -> VendorDhcp:
    if first.provd != second.provd:  # the spelling may differ: the first file's names the vendor
        raise ToolchainError(f"vendor {second.vendor!r}: the provd address (provd_path, provd_server) disagrees "
                             f"with {first.source}", second.source)
    groups = _merged(first.groups, second.groups, lambda g: g.name, "group", first.source, second.source)
    classes = _merged(first.classes, second.classes, lambda c: c.name, "class", first.source, second.source)
    macs = _merged(first.mac_prefixes, second.mac_prefixes, lambda m: m.prefix, "MAC prefix", first.source,
                   second.source)
    declarations = first.declarations + tuple(d for d in second.declarations if d not in first.declarations)
    return replace(first, declarations=declarations, groups=groups, classes=classes, mac_prefixes=macs)


def _merged(first: tuple, second: tuple, key, what: str, first_source: Path, second_source: Path) -> tuple:
    entries = {key(e): e for e in first}
    for entry in second:
        if entries.setdefault(key(entry), entry) != entry:
            raise ToolchainError(f"{what} {key(entry)!r} is defined differently in {first_source}", second_source)
    return tuple(entries.values())


def _unique_across(vendors: list[VendorDhcp], names, what: str) -> None:
    seen: dict[str, VendorDhcp] = {}
    for vendor in vendors:
        for name in names(vendor):
            other = seen.setdefault(name, vendor)
            if other is not vendor:
                raise ToolchainError(f"{what} {name!r} is used by vendor {other.vendor!r} ({other.source}) and "
                                     f"{vendor.vendor!r}", vendor.source)


def models_without_class(data: Iterable[VendorDhcp], models: Iterable[str]) -> list[str]:
    """Phone models that no class or MAC prefix of the given vendors' data says it is for."""
    known = {m for vendor in data for m in vendor.models()}
    return sorted(set(models) - known)


# --- checked access to TOML tables ----------------------------------------------------------------

class _Table:
    """A TOML table with its file and line, reading values with one-line errors."""

    def __init__(self, raw: object, path: Path, lines: "_LineFinder", where: str, line: int | None):
        if not isinstance(raw, dict):
            raise ToolchainError(f"{where} must be a table", path, line)
        self.raw, self.path, self.lines, self.where, self.line = raw, path, lines, where, line

    def error(self, message: str, key: str | None = None) -> ToolchainError:
        prefix = f"{self.where}: " if self.where else ""
        return ToolchainError(prefix + message, self.path, self.line_of(key) if key else self.line)

    def line_of(self, key: str) -> int | None:
        return self.lines.find(key, after=self.line) or self.line

    def line_of_table(self, header: str, number: int) -> int | None:
        return self.lines.nth(f"[[{header}]]", number)

    def known_keys(self, allowed: set[str]) -> None:
        for key in self.raw:
            if key in _MOVED:
                raise self.error(_MOVED[key], key)
            if key not in allowed:
                raise self.error(f"unknown key {key!r} (known: {', '.join(sorted(allowed))})", key)

    def tables(self, header: str) -> list["_Table"]:
        raw = self.raw.get(header, [])
        if not isinstance(raw, list):
            raise self.error(f"{header} must be a list of [[{header}]] tables", header)
        return [_Table(item, self.path, self.lines, f"[[{header}]] #{n}", self.line_of_table(header, n))
                for n, item in enumerate(raw, 1)]

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self.error(f"missing required key {key!r}")
            return None
        if not isinstance(value, str) or not _PRINTABLE.fullmatch(value):
            raise self.error(f"{key} must be non-empty printable ASCII text, not {value!r}", key)
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"{key} must be true or false, not {value!r}", key)
        return value

    def models(self) -> tuple[str, ...]:
        if "model" in self.raw and "models" in self.raw:
            raise self.error("has both model and models: use one", "models")
        if "model" in self.raw:
            return (self.text("model"),)
        models = self.raw.get("models", [])
        if not isinstance(models, list) or not all(isinstance(m, str) and _PRINTABLE.fullmatch(m) for m in models):
            raise self.error("models must be a list of printable ASCII model names", "models")
        return tuple(models)

    def provd(self) -> ProvdAddress | None:
        path, server = self.raw.get("provd_path"), self.raw.get("provd_server")
        if path is None and server is None:
            return None
        if server not in (None, HTTP, TFTP):
            raise self.error(f"provd_server must be \"{HTTP}\" or \"{TFTP}\", not {server!r}", "provd_server")
        if path is not None and (not isinstance(path, str) or not _PATH.fullmatch(path)):
            raise self.error(f"provd_path must be a URL path like /Vendor (or \"\"), not {path!r}", "provd_path")
        if server == TFTP and path:
            raise self.error("provd_server = \"tftp\" gives the TFTP server itself: it takes no provd_path",
                             "provd_path")
        return ProvdAddress(server or HTTP, path or "")

    def statements(self, key: str, declarations: bool = False) -> tuple[str, ...]:
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise self.error(f"{key} must be a list of strings of dhcpd statements", key)
        key_line = self.line_of(key) if value else None
        printed: list[str] = []
        for text in value:
            line = self.lines.find_text(text.strip().splitlines()[0] if text.strip() else "", after=key_line)
            try:
                printed += parse_statements(text, self.path, line or key_line, declarations)
            except ToolchainError as exc:
                prefix = f"{self.where}: " if self.where else ""
                raise ToolchainError(f"{prefix}{key}: {exc.message}", exc.path, exc.line) from None
        return tuple(printed)

    def match_rules(self) -> tuple[MatchRule, ...]:
        shorthand = self.raw.get("vendor_class_prefix")
        raw_rules = self.raw.get("match")
        if shorthand is not None and raw_rules is not None:
            raise self.error("has both match and vendor_class_prefix: use one", "match")
        if shorthand is not None:
            raw_rules, key = [{"prefix": shorthand}], "vendor_class_prefix"
        else:
            key = "match"
        if not isinstance(raw_rules, list) or not raw_rules:
            raise self.error("needs match (a list of rules like { prefix = \"acme_P1\" }) or vendor_class_prefix",
                             key if key in self.raw else None)
        return tuple(self._rule(raw, key) for raw in raw_rules)

    def _rule(self, raw: object, key: str) -> MatchRule:
        if not isinstance(raw, dict):
            raise self.error(f"each {key} rule must be a table like {{ exact = \"...\" }}", key)
        kinds = [k for k in MATCH_KINDS if k in raw]
        unknown = set(raw) - set(MATCH_KINDS) - {"offset", "on"}
        if unknown or len(kinds) != 1:
            raise self.error(f"a {key} rule has one of {', '.join(MATCH_KINDS)} (plus offset for substring, "
                             f"on = \"{USER_CLASS}\" for option 77), not {sorted(raw)}", key)
        kind, value = kinds[0], raw[kinds[0]]
        if not isinstance(value, str) or not value or len(value) > 255 or max(map(ord, value)) > 0xFF:
            raise self.error(f"{kind} must be 1 to 255 characters, each a byte (\\u0000 to \\u00ff), "
                             f"not {value!r}", key)
        offset = raw.get("offset", 0)
        if "offset" in raw and kind != "substring" or not isinstance(offset, int) or isinstance(offset, bool) \
                or not 0 <= offset < 255:
            raise self.error("offset (0 to 254) goes with substring only", key)
        option = raw.get("on", VENDOR_CLASS)
        if option not in (VENDOR_CLASS, USER_CLASS):
            raise self.error(f"on must be \"{VENDOR_CLASS}\" or \"{USER_CLASS}\", not {option!r}", key)
        return MatchRule(kind, value, offset, option)


def _unique(names: Iterable[tuple[str, int | None]], what: str, path: Path) -> None:
    seen = set()
    for name, line in names:
        if name in seen:
            raise ToolchainError(f"{what} {name!r} is used twice", path, line)
        seen.add(name)


def _line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


class _LineFinder:
    """Line numbers of keys, headers and text in a TOML file, for error messages.

    Searches stay within one table (up to the next header), so a file of many tables
    is not read once per table.
    """

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: dict[str, list[int]] = {}
        for number, line in enumerate(self.lines, 1):
            if line.startswith("["):
                self.headers.setdefault(line.strip(), []).append(number)

    def _table_lines(self, after: int | None):
        """(number, line) from ``after`` (a table's header or first line) to the end of that table."""
        start = after or 1
        for number in range(start, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start and line.startswith("["):
                return
            yield number, line

    def find(self, key: str, after: int | None = None) -> int | None:
        pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
        return next((number for number, line in self._table_lines(after) if pattern.match(line)), None)

    def find_text(self, text: str, after: int | None = None) -> int | None:
        if not text:
            return None
        return next((number for number, line in self._table_lines(after) if text in line), None)

    def nth(self, header: str, count: int) -> int | None:
        found = self.headers.get(header, [])
        return found[count - 1] if count <= len(found) else None
