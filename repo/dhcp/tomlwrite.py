"""DHCP data written back as TOML, the format repo.dhcp.data reads (used by the import).

Only what differs from the defaults is written (a class named vendor + model, the
default BOOT log), so imported files read like hand-written ones. Values are written
as TOML basic strings, escaped so that any byte of a match value survives.
"""
from __future__ import annotations

from repo.dhcp.conf import quoted
from repo.dhcp.data import (
    HTTP,
    TFTP,
    VENDOR_CLASS,
    DhcpClass,
    Group,
    MacPrefix,
    MatchRule,
    ProvdAddress,
    VendorDhcp,
)

Comments = dict[tuple[str, str], list[str]]


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and anything not printable ASCII escaped."""
    return quoted(value, lambda c: f"\\u{ord(c):04x}")


def _statements(values: tuple[str, ...]) -> list[str]:
    if not values:
        return []
    items = []
    for text in values:
        if "\n" in text and "'''" not in text:
            items.append("'''\n" + text + "'''")
        else:
            items.append(toml_string(text))
    if len(items) == 1 and "\n" not in items[0]:
        return [f"statements = [{items[0]}]"]
    return ["statements = ["] + [f"    {item}," for item in items] + ["]"]


def _provd(provd: ProvdAddress | None) -> list[str]:
    if provd is None:
        return []
    if provd.server == TFTP:
        return [f'provd_server = "{TFTP}"']
    assert provd.server == HTTP
    return [f"provd_path = {toml_string(provd.path)}"]


def _rule(rule: MatchRule) -> str:
    parts = [f"{rule.kind} = {toml_string(rule.value)}"]
    if rule.kind == "substring":
        parts.append(f"offset = {rule.offset}")
    if rule.option != VENDOR_CLASS:
        parts.append(f"on = {toml_string(rule.option)}")
    return "{ " + ", ".join(parts) + " }"


def _models(models: tuple[str, ...]) -> list[str]:
    if not models:
        return []
    if len(models) == 1:
        return [f"model = {toml_string(models[0])}"]
    return ["models = [" + ", ".join(map(toml_string, models)) + "]"]


def _comment_lines(comments: list[str]) -> list[str]:
    """Comment lines; control characters (TOML allows none in comments) shown as '?'."""
    return [("# " + "".join(c if c >= " " and c != "\x7f" else "?" for c in comment)).rstrip()
            for comment in comments]


def _group(group: Group, comments: Comments) -> list[str]:
    return [*_comment_lines(comments.get(("group", group.name), [])), "[[group]]",
            f"name = {toml_string(group.name)}", *_provd(group.provd), *_statements(group.statements)]


def _class(dhcp_class: DhcpClass, vendor: str, comments: Comments) -> list[str]:
    lines = [*_comment_lines(comments.get(("class", dhcp_class.name), [])), "[[class]]"]
    model = dhcp_class.model
    if model is None or dhcp_class.name != f"{vendor}{model}":
        lines.append(f"name = {toml_string(dhcp_class.name)}")
    lines += _models(dhcp_class.models)
    if dhcp_class.group is not None:
        lines.append(f"group = {toml_string(dhcp_class.group)}")
    rules = [_rule(rule) for rule in dhcp_class.match]
    lines.append(f"match = [{rules[0]}]" if len(rules) == 1 else
                 "match = [\n" + "".join(f"    {rule},\n" for rule in rules) + "]")
    if not dhcp_class.pool:
        lines.append("pool = false")
    if dhcp_class.log != f"BOOT {vendor} {model or dhcp_class.name}":
        lines.append(f"log = {toml_string(dhcp_class.log)}")
    return lines + _provd(dhcp_class.provd) + _statements(dhcp_class.statements)


def _mac_prefix(mac: MacPrefix, vendor: str, comments: Comments) -> list[str]:
    lines = [*_comment_lines(comments.get(("mac_prefix", mac.prefix), [])), "[[mac_prefix]]",
             f"prefix = {toml_string(mac.prefix)}", *_models(mac.models)]
    if not mac.pool:
        lines.append("pool = false")
    default_log = f"BOOT {vendor}" + (f" {mac.models[0]}" if len(mac.models) == 1 else "")
    if mac.log is None:
        lines.append("log = false")
    elif mac.log != default_log:
        lines.append(f"log = {toml_string(mac.log)}")
    return lines + _provd(mac.provd) + _statements(mac.statements)


def vendor_toml(data: VendorDhcp, header: list[str], comments: Comments | None = None) -> str:
    """``data`` as a DHCP data file; ``header`` lines become comments at its top."""
    comments = comments or {}
    lines = [*_comment_lines(header), *_comment_lines(comments.get(("file", ""), [])),
             f"vendor = {toml_string(data.vendor)}", *_provd(data.provd)]
    if data.declarations:
        lines += ["declarations = ["] + [f"    {toml_string(d)}," for d in data.declarations] + ["]"]
    sections = [_group(g, comments) for g in data.groups]
    sections += [_class(c, data.vendor, comments) for c in data.classes]
    sections += [_mac_prefix(m, data.vendor, comments) for m in data.mac_prefixes]
    return "\n".join(lines + [line for section in sections for line in ["", *section]]) + "\n"
