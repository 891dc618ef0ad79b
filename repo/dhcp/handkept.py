"""Reading a hand-kept dhcpd-update folder into DHCP data, refusing what the data cannot say.

The folder is what a Wazo server extracts into /etc/dhcp/: ``dhcpd_update.conf`` (the
MAC prefix class and one include per vendor), ``dhcpd_update/<vendor>.conf`` and
``dhcpd_subnet.conf.middle`` (the pool's ``allow members of`` lines). Each vendor file
becomes a ``VendorDhcp`` that renders to a file dhcpd treats the same way for every
phone: classes keep their order and groups, subclasses keep their own statements (dhcpd
ignores a group around a subclass), and whatever has no structured form is kept as
checked escape-hatch statements. What cannot be kept is refused with its file and line,
all of it at once; drift between declared and allowed classes is reported, not fixed.

Comments are kept as TOML comments next to the entry they were in or before; those of
dhcpd_update.conf and dhcpd_subnet.conf.middle are dropped (the bundle regenerates both).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from repo.dhcp.conf import (
    MAX_TEXT,
    STRING,
    ConfError,
    Expr,
    Statement,
    parse,
    parse_expression,
    print_statement,
    print_statements,
    read_text,
)
from repo.dhcp.data import (
    MAC_CLASS,
    TFTP,
    USER_CLASS,
    VENDOR_CLASS,
    DhcpClass,
    Group,
    MacPrefix,
    MatchRule,
    ProvdAddress,
    VendorDhcp,
    vendor_key,
    vendor_stem,
)
from repo.dhcp.statements import check_declarations, check_scope_statements
from repo.errors import ToolchainError
from repo.validation.findings import Finding, error
from repo.validation.rules import finding
from repo.validation.sources import shown

UPDATE_CONF = "dhcpd_update.conf"
VENDOR_FOLDER = "dhcpd_update"
MIDDLE = "dhcpd_subnet.conf.middle"
INCLUDE_PREFIX = "/etc/dhcp/dhcpd_update/"
MAX_VENDOR_FILES = 500
_VENDOR_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.conf")
_PRINTABLE = re.compile(r"[\x20-\x7e]+")
_HEX_DATA = re.compile(r"[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})+")
_HARDWARE_CALL = Expr("call", (Expr("word", value="16"), Expr("word", value="8"), Expr("string", value=":"),
                               Expr("word", value="hardware")), "binary-to-ascii")


class Refused(Exception):
    """Something the DHCP data cannot represent; becomes an error finding at its line."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message, self.line = message, line


@dataclass
class ImportedVendor:
    """One vendor file read: its data (vendor named provisionally) and the comments to keep."""

    stem: str
    path: Path
    data: VendorDhcp
    comments: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # ("class", name) -> lines
    lines: dict[str, int] = field(default_factory=dict)  # class name -> line of its declaration


@dataclass
class HandKept:
    vendors: list[ImportedVendor]
    refusals: list[Finding]
    drift: list[Finding]
    notes: list[str]


def read_handkept(folder: Path) -> HandKept:
    """Everything a hand-kept folder says, as DHCP data, with refusals, drift and notes."""
    folder = Path(folder)
    result = HandKept([], [], [], [])
    update_path = folder / UPDATE_CONF
    includes = _guarded(result, update_path, lambda: _read_update_conf(update_path, result))
    allowed = _guarded(result, folder / MIDDLE, lambda: _read_middle(folder / MIDDLE, result)) or {}
    for stem, _ in includes or []:
        path = folder / VENDOR_FOLDER / f"{stem}.conf"
        vendor = _read_vendor_guarded(result, path, stem, allowed)
        if vendor is not None:
            result.vendors.append(vendor)
    if includes is not None:
        included = {f"{stem}.conf" for stem, _ in includes}
        for extra in sorted((folder / VENDOR_FOLDER).glob("*.conf")):
            if extra.name not in included:
                result.notes.append(f"{shown(extra)}: not included by {UPDATE_CONF} (dhcpd never reads it): "
                                    "not imported")
        stems = [stem for stem, _ in includes]
        if stems != sorted(stems, key=vendor_stem):
            result.notes.append(f"{shown(update_path)}: vendor files are included in another order than the "
                                "bundle's (by name); it matters only to a phone that classes of two vendors match")
    if not result.refusals:
        _drift(result, allowed, folder)
    return result


def _guarded(result: HandKept, path: Path, read):
    """``read()``, or None with the refusal recorded."""
    try:
        return read()
    except ToolchainError as exc:
        result.refusals.append(error(shown(Path(exc.path or path)), exc.message, exc.line))
    except Refused as exc:
        result.refusals.append(error(shown(path), exc.message, exc.line))
    return None


def _read_file(path: Path) -> tuple[list[Statement], list[str]]:
    if path.is_symlink() or not path.is_file():
        raise ToolchainError("missing (or not a regular file)", path)
    try:
        if path.stat().st_size > MAX_TEXT:
            raise ToolchainError(f"larger than {MAX_TEXT} bytes: not a dhcpd configuration file", path)
        data = path.read_bytes()
    except OSError as exc:
        raise ToolchainError(f"cannot read: {exc.strerror}", path) from None
    try:
        return parse(read_text(data, path), path)
    except ConfError as exc:
        raise ToolchainError(f"cannot parse: {exc.message}", exc.path, exc.line) from None


def _each_statement(path: Path, result: HandKept, take) -> None:
    """``take(statement)`` for each statement of the file; one it refuses is recorded at its line, the rest go on."""
    statements, _ = _read_file(path)
    for statement in statements:
        try:
            take(statement)
        except Refused as exc:
            result.refusals.append(error(shown(path), exc.message, exc.line))


def _read_update_conf(path: Path, result: HandKept) -> list[tuple[str, int]]:
    """The vendor files dhcpd_update.conf includes, in order; the MAC prefix class checked."""
    includes: list[tuple[str, int]] = []

    def take(statement: Statement) -> None:
        words = statement.words()
        if statement.keyword == "class" and words[1:] == [MAC_CLASS]:
            body = [print_statement(s) for s in statement.body or ()]
            if body != ["match substring(hardware, 0, 4);"]:
                raise Refused(f'class "{MAC_CLASS}" must be exactly {{ match substring(hardware, 0, 4); }} '
                              "(the bundle generates it so)", statement.line)
        elif statement.keyword == "include" and len(words) == 2 and statement.head[1].kind == STRING \
                and statement.body is None:
            name = words[1]
            if not name.startswith(INCLUDE_PREFIX) or not _VENDOR_FILE.fullmatch(name[len(INCLUDE_PREFIX):]):
                raise Refused(f"include {name!r}: only {INCLUDE_PREFIX}<vendor>.conf files can be imported",
                              statement.line)
            stem = name[len(INCLUDE_PREFIX):-len(".conf")]
            if any(stem == known for known, _ in includes):
                raise Refused(f"{name!r} is included twice", statement.line)
            if len(includes) >= MAX_VENDOR_FILES:
                raise Refused(f"more than {MAX_VENDOR_FILES} vendor files", statement.line)
            includes.append((stem, statement.line))
        else:
            raise Refused(f"{_what(statement)} cannot be imported: {UPDATE_CONF} holds the \"{MAC_CLASS}\" class "
                          "and the vendor includes only", statement.line)

    _each_statement(path, result, take)
    return includes


def _read_middle(path: Path, result: HandKept) -> dict[str, int]:
    """Class names the pool allows, with their line."""
    allowed: dict[str, int] = {}

    def take(statement: Statement) -> None:
        words = statement.words()
        if statement.body is None and words[:3] == ["allow", "members", "of"] and len(words) == 4 \
                and statement.head[3].kind == STRING:
            allowed.setdefault(words[3], statement.line)
        else:
            raise Refused(f"{_what(statement)} cannot be imported: the bundle's pool file holds "
                          "'allow members of \"<class>\";' lines only", statement.line)

    _each_statement(path, result, take)
    return allowed


def _read_vendor_guarded(result: HandKept, path: Path, stem: str, allowed: dict[str, int]) -> ImportedVendor | None:
    reader = _VendorReader(path, stem, allowed)
    vendor = _guarded(result, path, reader.read)
    result.refusals += reader.refusals
    result.notes += reader.notes
    return None if reader.refusals else vendor


def _drift(result: HandKept, allowed: dict[str, int], folder: Path) -> None:
    declared: set[str] = set()
    for vendor in result.vendors:
        for dhcp_class in vendor.data.classes:
            declared.add(dhcp_class.name)
            if not dhcp_class.pool:
                result.drift.append(finding("dhcp-drift", shown(vendor.path),
                                            f'class "{dhcp_class.name}" is declared but has no allow line in '
                                            f"{MIDDLE}: its phones get no address from the VoIP pool (imported as "
                                            "pool = false)", vendor.lines.get(dhcp_class.name)))
    has_macs = any(v.data.mac_prefixes for v in result.vendors)
    declared.add(MAC_CLASS)
    if has_macs and MAC_CLASS not in allowed:
        result.drift.append(finding("dhcp-drift", shown(folder / MIDDLE),
                                    f'no allow line for "{MAC_CLASS}": phones known by their MAC prefix get no '
                                    "address from the VoIP pool (imported as pool = false)"))
    for name, line in allowed.items():
        if name not in declared:
            result.drift.append(finding("dhcp-drift", shown(folder / MIDDLE),
                                        f'allow line for "{name}", a class no vendor file declares: dhcpd refuses '
                                        "the whole configuration with 'no such class'; the generated bundle has no "
                                        "such line", line))


class _VendorReader:
    """One vendor file: top-level groups, classes, subclasses and declarations."""

    def __init__(self, path: Path, stem: str, allowed: dict[str, int]):
        self.path, self.stem, self.allowed = path, stem, allowed
        self.refusals: list[Finding] = []
        self.notes: list[str] = []
        self.groups: list[Group] = []
        self.classes: list[DhcpClass] = []
        self.macs: list[MacPrefix] = []
        self.declarations: list[str] = []
        self.comments: dict[tuple[str, str], list[str]] = {}
        self.lines: dict[str, int] = {}
        self.logs: list[str] = []  # BOOT texts, to name the vendor

    def refuse(self, message: str, line: int | None) -> None:
        self.refusals.append(error(shown(self.path), message, line))

    def read(self) -> ImportedVendor:
        statements, trailing = _read_file(self.path)
        file_comments: list[str] = []
        for statement in statements:
            try:
                self._top(statement, file_comments)
            except Refused as exc:
                self.refuse(exc.message, exc.line)
            except ToolchainError as exc:
                self.refuse(exc.message, exc.line)
        file_comments += trailing
        if not self.classes and not self.macs and not self.refusals:
            self.refuse("declares no class and no MAC prefix subclass", None)
        self.comments[("file", "")] = _utf8(file_comments)
        vendor = self._vendor_name()
        data = VendorDhcp(vendor, None, tuple(self.declarations), tuple(self.groups),
                          tuple(self._with_models(c, vendor) for c in self.classes),
                          tuple(self._mac_with_models(m, vendor) for m in self.macs), self.path)
        return ImportedVendor(self.stem, self.path, data, self.comments, self.lines)

    def _vendor_name(self) -> str:
        words = Counter(text.split()[1] for text in self.logs if len(text.split()) >= 2)
        for word, _ in words.most_common():
            if vendor_key(word) == vendor_key(self.stem):
                return word
        return self.stem[:1].upper() + self.stem[1:]

    def _top(self, statement: Statement, file_comments: list[str]) -> None:
        keyword = statement.keyword
        if keyword == "group" and len(statement.head) == 1 and statement.body is not None:
            self._group(statement)
        elif keyword == "class":
            self._class(statement, None)
        elif keyword == "subclass":
            self._subclass(statement, None)
        elif keyword == "option" and statement.body is None:
            check_declarations([statement], self.path)
            self.declarations.append(print_statement(statement))
            file_comments += statement.comments
        else:
            raise Refused(f"{_what(statement)} cannot be imported at the top of a vendor file (groups, classes, "
                          "subclasses and option declarations only: anything else applies to every client)",
                          statement.line)

    def _group(self, statement: Statement) -> None:
        name = f"group-{len(self.groups) + 1}"
        own: list[Statement] = []
        members: list[Statement] = []
        for inner in statement.body:
            if inner.keyword in ("class", "subclass"):
                members.append(inner)
            elif inner.keyword == "group":
                raise Refused("a group inside a group cannot be imported", inner.line)
            else:
                own.append(inner)
        provd, rest = self._scope(own)
        if any(member.keyword == "class" for member in members):
            self.groups.append(Group(name, provd, rest))
            self.comments[("group", name)] = _utf8([*statement.comments, *statement.inner_comments,
                                                    *(c for s in own for c in s.comments)])
        elif own:
            self.notes.append(f"{shown(self.path)}:{statement.line}: the group's own statements apply to no "
                              "class (dhcpd does not apply a group to subclasses): not imported")
        for member in members:
            try:
                if member.keyword == "class":
                    self._class(member, name)
                else:
                    self._subclass(member, name)
            except (Refused, ToolchainError) as exc:
                self.refuse(exc.message, exc.line)

    def _scope(self, statements: list[Statement]) -> tuple[ProvdAddress | None, tuple[str, ...]]:
        """The provd address (when set once, in a known form) and the other statements, checked."""
        check_scope_statements(statements, self.path)
        provd_statements = [s for s in statements if _sets_tftp_server_name(s)]
        provd = _provd(provd_statements[0]) if len(provd_statements) == 1 and \
            not any(_sets_tftp_server_name(s) for s in _nested(statements)) else None
        return provd, print_statements([s for s in statements if provd is None or s is not provd_statements[0]])

    def _class(self, statement: Statement, group: str | None) -> None:
        words = statement.words()
        if len(statement.head) != 2 or statement.head[1].kind != STRING or statement.body is None:
            raise Refused("a class is 'class \"<name>\" { ... }'", statement.line)
        name = words[1]
        if not _PRINTABLE.fullmatch(name) or name == MAC_CLASS:
            raise Refused(f"class name {name!r} cannot be imported (printable ASCII, not {MAC_CLASS!r})",
                          statement.line)
        matches = [s for s in statement.body if s.keyword == "match"]
        if len(matches) != 1:
            raise Refused(f'class "{name}" has {len(matches)} match statements: exactly one "match if" can be '
                          "imported", statement.line)
        rules = _match_rules(matches[0], self.path)
        body = [s for s in statement.body if s is not matches[0]]
        log, body = _take_log(body, self.logs)
        provd, rest = self._scope(body)
        if log is None:
            self.notes.append(f"{shown(self.path)}:{statement.line}: class \"{name}\" logs no BOOT line: the "
                              "generated class logs one")
        self.classes.append(DhcpClass(name, (), rules, name in self.allowed, group, provd, log or "", rest))
        self.comments[("class", name)] = _utf8(_all_comments(statement))
        self.lines[name] = statement.line

    def _subclass(self, statement: Statement, group: str | None) -> None:
        words = statement.words()
        if len(words) != 3 or words[1] != MAC_CLASS or statement.head[1].kind != STRING:
            raise Refused(f"only subclasses of \"{MAC_CLASS}\" keyed by a MAC prefix can be imported",
                          statement.line)
        prefix = _mac_prefix(statement.head[2].text)
        if prefix is None:
            raise Refused(f"subclass key {words[2]!r} is not '1:' and three octets (hardware type 1, then the "
                          "first three octets of the MAC address)", statement.line)
        if group is not None:
            self.notes.append(f"{shown(self.path)}:{statement.line}: subclass {words[2]} is inside a group, which "
                              "dhcpd does not apply to subclasses: imported with its own statements only")
        body = list(statement.body or ())
        log, body = _take_conditional_log(body, self.logs)
        provd, rest = self._scope(body)
        self.macs.append(MacPrefix(prefix, (), MAC_CLASS in self.allowed, provd, log, rest))
        self.comments[("mac_prefix", prefix)] = _utf8(_all_comments(statement))

    def _with_models(self, dhcp_class: DhcpClass, vendor: str) -> DhcpClass:
        model = _model_from_log(dhcp_class.log, vendor) or _model_from_name(dhcp_class.name, vendor)
        log = dhcp_class.log or f"BOOT {vendor} {model or dhcp_class.name}"
        return DhcpClass(dhcp_class.name, (model,) if model else (), dhcp_class.match, dhcp_class.pool,
                         dhcp_class.group, dhcp_class.provd, log, dhcp_class.statements)

    def _mac_with_models(self, mac: MacPrefix, vendor: str) -> MacPrefix:
        model = _model_from_log(mac.log or "", vendor)
        return MacPrefix(mac.prefix, (model,) if model else (), mac.pool, mac.provd, mac.log, mac.statements)


# --- pieces of statements -----------------------------------------------------------------------

def _what(statement: Statement) -> str:
    return f"'{print_statement(statement).splitlines()[0][:60]}'"


def _nested(statements: list[Statement]):
    for statement in statements:
        for inner in statement.body or ():
            yield inner
            yield from _nested([inner])


def _sets_tftp_server_name(statement: Statement) -> bool:
    words = statement.words()
    return len(words) >= 2 and words[0] in ("option", "supersede", "default", "append", "prepend") \
        and words[1] == "tftp-server-name"


def _provd(statement: Statement) -> ProvdAddress | None:
    """The provd address an ``option tftp-server-name = ...;`` statement gives, if in a known form."""
    words = statement.words()
    if words[:3] != ["option", "tftp-server-name", "="]:
        return None
    try:
        value = parse_expression(statement.head[3:], "", statement.line)
    except ConfError:
        return None
    if value == Expr("config-option", value="VOIP.http-server-uri"):
        return ProvdAddress()
    if value == Expr("config-option", value="VOIP.tftp-server-name"):
        return ProvdAddress(TFTP)
    if value.op == "call" and value.value == "concat" and len(value.args) == 2 \
            and value.args[0] == Expr("config-option", value="VOIP.http-server-uri") \
            and value.args[1].op == "string" and re.fullmatch(r"/[A-Za-z0-9._~/-]*", value.args[1].value):
        return ProvdAddress(path=value.args[1].value)
    return None


def _match_rules(statement: Statement, path: Path) -> tuple[MatchRule, ...]:
    words = statement.words()
    if len(words) < 3 or words[1] != "if" or statement.body is not None:
        raise Refused("only 'match if <test>;' can be imported (a spawning 'match <data>;' cannot)", statement.line)
    expression = parse_expression(statement.head[2:], path, statement.line)
    alternatives = expression.args if expression.op == "or" else (expression,)
    return tuple(_rule(alternative, statement.line) for alternative in alternatives)


def _rule(expression: Expr, line: int) -> MatchRule:
    """One ``or`` alternative as a match rule: an equality between a test of option 60/77 and a constant."""
    if expression.op != "=":
        raise Refused("only equality tests joined by 'or' can be imported (no 'and', 'not', '!=', regex, "
                      "exists)", line)
    left, right = expression.args
    if _constant(left) is not None and _constant(right) is None:
        left, right = right, left
    value = _constant(right)
    if value is None or not value or len(value) > 255:
        raise Refused("a test must compare with a string constant (1 to 255 bytes)", line)
    if left.op == "option":
        return MatchRule("exact", value, 0, _option(left, line))
    if left.op != "call" or left.value not in ("substring", "suffix"):
        raise Refused("a test must be on option vendor-class-identifier or user-class: itself, its substring() "
                      "or its suffix()", line)
    numbers = [_number(arg) for arg in left.args[1:]]
    if not left.args or left.args[0].op != "option" or None in numbers \
            or len(numbers) != (2 if left.value == "substring" else 1):
        raise Refused(f"{left.value}() must be of an option and constant numbers", line)
    option = _option(left.args[0], line)
    length = numbers[-1]
    offset = numbers[0] if left.value == "substring" else 0
    if length < len(value):
        raise Refused(f"{left.value}() of {length} bytes compared with {len(value)} bytes can never match", line)
    if length > len(value):
        if offset:
            raise Refused(f"substring() at {offset} of {length} bytes compared with {len(value)} bytes cannot be "
                          "represented", line)
        return MatchRule("exact", value, 0, option)  # shorter than asked for: the whole option must be equal
    if left.value == "suffix":
        return MatchRule("suffix", value, 0, option)
    return MatchRule("substring" if offset else "prefix", value, offset, option)


def _constant(expression: Expr) -> str | None:
    if expression.op == "string":
        return expression.value
    if expression.op == "word" and _HEX_DATA.fullmatch(expression.value):
        return "".join(chr(int(octet, 16)) for octet in expression.value.split(":"))
    return None


def _number(expression: Expr) -> int | None:
    if expression.op == "word" and expression.value.isdigit() and len(expression.value) <= 3:
        return int(expression.value)
    return None


def _option(expression: Expr, line: int) -> str:
    if expression.value not in (VENDOR_CLASS, USER_CLASS):
        raise Refused(f"a test on option {expression.value} cannot be imported (vendor-class-identifier and "
                      "user-class can)", line)
    return expression.value


def _log_text(statement: Statement) -> str | None:
    """The text a ``log(...)`` statement writes after the hardware address, if it is a plain BOOT-style log."""
    words = statement.words()
    if statement.keyword != "log" or statement.body is not None or len(words) < 3 or words[1] != "(":
        return None
    try:
        call = parse_expression(statement.head, "", statement.line)
    except ConfError:
        return None
    args = list(call.args)
    if len(args) == 2 and args[0] == Expr("word", value="info"):
        args = args[1:]
    if len(args) != 1:
        return None
    message = args[0]
    if message.op == "string":
        text = message.value
    elif message.op == "call" and message.value == "concat" and len(message.args) >= 3 \
            and message.args[0] == Expr("string", value="[") and message.args[1] == _HARDWARE_CALL \
            and all(a.op == "string" for a in message.args[2:]):
        text = "".join(a.value for a in message.args[2:])
        if not text.startswith("] "):
            return None
        text = text[2:]
    else:
        return None
    return text if _PRINTABLE.fullmatch(text) else None


def _take_log(body: list[Statement], logs: list[str]) -> tuple[str | None, list[Statement]]:
    """The class's BOOT log text (its first plain log) and the other statements."""
    for statement in body:
        text = _log_text(statement)
        if text is not None:
            logs.append(text)
            return text, [s for s in body if s is not statement]
    return None, body


def _take_conditional_log(body: list[Statement], logs: list[str]) -> tuple[str | None, list[Statement]]:
    """A subclass's ``if not exists vendor-class-identifier { log(...); }``, as the text it logs."""
    for position, statement in enumerate(body):
        following = body[position + 1] if position + 1 < len(body) else None
        if statement.words() == ["if", "not", "exists", "vendor-class-identifier"] and statement.body \
                and len(statement.body) == 1 and (following is None or following.keyword not in ("elsif", "else")):
            text = _log_text(statement.body[0])
            if text is not None:
                logs.append(text)
                return text, [s for s in body if s is not statement]
    return None, body


def _model_from_log(text: str, vendor: str) -> str | None:
    words = text.split(None, 2)
    if len(words) == 3 and words[0].upper() == "BOOT" and vendor_key(words[1]) == vendor_key(vendor):
        return words[2]
    return None


def _model_from_name(name: str, vendor: str) -> str | None:
    if name.lower().startswith(vendor.lower()) and len(name) > len(vendor):
        return name[len(vendor):].strip(" -_") or None
    return None


def _mac_prefix(key: str) -> str | None:
    parts = key.split(":")
    if len(parts) != 4 or parts[0] not in ("1", "01") or not all(re.fullmatch(r"[0-9a-fA-F]{1,2}", p) for p in parts):
        return None
    return ":".join(f"{int(p, 16):02x}" for p in parts[1:])


def _all_comments(statement: Statement) -> list[str]:
    found = [*statement.comments]
    for inner in statement.body or ():
        found += _all_comments(inner)
    return found + list(statement.inner_comments)


def _utf8(comments: list[str]) -> list[str]:
    """Comments read one character per byte, decoded as the UTF-8 people write them in."""
    return [c.encode("latin-1").decode("utf-8", errors="replace").strip() for c in comments]
