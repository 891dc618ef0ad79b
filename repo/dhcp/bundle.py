"""The DHCP bundle ``dhcpd.tar.bz2`` that ``dhcpd-update`` extracts into /etc/dhcp/.

Rendered from Jinja2 templates (repo/templates/dhcp/) over the DHCP data, written as a
reproducible archive: same data, same bytes. Every value reaches dhcpd through
``dhcpd_string`` or as statements printed back from their parse (repo.dhcp.conf).
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from repo.build.packaging import (
    file_member,
    folder_member,
    source_date_epoch,
    write_archive,
)
from repo.dhcp.conf import dhcpd_string
from repo.dhcp.data import (
    MAC_CLASS,
    TFTP,
    DhcpClass,
    MacPrefix,
    MatchRule,
    ProvdAddress,
    VendorDhcp,
)
from repo.errors import ToolchainError
from repo.package.archive import check_archive_bytes
from repo.templating import template_environment

if TYPE_CHECKING:  # rendering imports it (repo.templating): tasks that do not render do not pay for it
    import jinja2

BUNDLE_NAME = "dhcpd.tar.bz2"
VENDOR_FOLDER = "dhcpd_update"
ROOT_FILES = ("dhcpd_update.conf", "dhcpd_subnet.conf.middle")
HARDWARE = 'binary-to-ascii(16, 8, ":", hardware)'


def rule_expression(rule: MatchRule) -> str:
    """The dhcpd test of one match rule."""
    option = f"option {rule.option}"
    value = dhcpd_string(rule.value)
    if rule.kind == "exact":
        return f"{option} = {value}"
    if rule.kind == "suffix":
        return f"suffix({option}, {len(rule.value)}) = {value}"
    return f"substring({option}, {rule.offset}, {len(rule.value)}) = {value}"


def match_expression(dhcp_class: DhcpClass) -> str:
    """The class's match: its rules joined with ``or``."""
    return " or ".join(rule_expression(rule) for rule in dhcp_class.match)


def provd_statement(provd: ProvdAddress) -> str:
    """``option tftp-server-name = ...;``: where the phones find provd."""
    if provd.server == TFTP:
        value = "config-option VOIP.tftp-server-name"
    elif provd.path:
        value = f"concat(config-option VOIP.http-server-uri, {dhcpd_string(provd.path)})"
    else:
        value = "config-option VOIP.http-server-uri"
    return f"option tftp-server-name = {value};"


def log_statement(text: str) -> str:
    """A log line starting with the phone's hardware address, as the server's own lines do."""
    return f'log(concat("[", {HARDWARE}, "] ", {dhcpd_string(text)}));'


def class_lines(dhcp_class: DhcpClass) -> list[str]:
    lines = [f"match if {match_expression(dhcp_class)};", log_statement(dhcp_class.log)]
    if dhcp_class.provd is not None:
        lines.append(provd_statement(dhcp_class.provd))
    return lines + list(dhcp_class.statements)


def mac_lines(mac: MacPrefix) -> list[str]:
    lines = []
    if mac.log is not None:
        lines.append(f"if not exists vendor-class-identifier {{\n    {log_statement(mac.log)}\n}}")
    if mac.provd is not None:
        lines.append(provd_statement(mac.provd))
    return lines + list(mac.statements)


@dataclass(frozen=True)
class Block:
    """Consecutive classes of one group (or of none) in a vendor file."""

    group: str | None
    provd: ProvdAddress | None
    statements: tuple[str, ...]
    classes: tuple[DhcpClass, ...]

    @property
    def grouped(self) -> bool:
        return self.group is not None or self.provd is not None


def blocks(vendor: VendorDhcp) -> list[Block]:
    """The vendor's classes in their order, consecutive ones of the same group in one ``group { }``.

    A group's provd address defaults to the vendor's, which also wraps the classes of no
    group. dhcpd applies a group to the classes inside it (not to subclasses: MAC
    prefixes carry their options themselves).
    """
    result: list[Block] = []
    groups = {group.name: group for group in vendor.groups}
    for dhcp_class in vendor.classes:
        if result and result[-1].group == dhcp_class.group:
            last = result[-1]
            result[-1] = Block(last.group, last.provd, last.statements, last.classes + (dhcp_class,))
            continue
        group = groups.get(dhcp_class.group)
        provd = group.provd if group and group.provd else vendor.provd
        result.append(Block(dhcp_class.group, provd, group.statements if group else (), (dhcp_class,)))
    return result


def indented(text: str, levels: int = 1) -> str:
    pad = "    " * levels
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _environment() -> jinja2.Environment:
    environment = template_environment("dhcp")
    for function in (dhcpd_string, provd_statement, class_lines, mac_lines, indented):
        environment.filters[function.__name__] = function
    return environment


def pool_members(vendors: list[VendorDhcp]) -> list[tuple[str, list[str]]]:
    """Per vendor, the classes allowed into the VoIP pool; MAC prefixes join (or not) all together."""
    pooled = {mac.pool for vendor in vendors for mac in vendor.mac_prefixes}
    if len(pooled) > 1:
        mixed = next(v for v in vendors if any(not m.pool for m in v.mac_prefixes))
        raise ToolchainError("some MAC prefixes have pool = false and others not: they join the VoIP pool all "
                             f"together (allow members of \"{MAC_CLASS}\")", mixed.source)
    members = [(vendor.vendor, [c.name for c in vendor.classes if c.pool]) for vendor in vendors]
    if pooled == {True}:
        members.append(("MAC prefixes", [MAC_CLASS]))
    return [(title, names) for title, names in members if names]


def render_bundle(vendors: list[VendorDhcp], plugins_dir: Path) -> dict[str, bytes]:
    """The bundle's files, by path inside the archive."""
    environment = _environment()
    files = {
        "dhcpd_update.conf": environment.get_template("dhcpd_update.conf.j2").render(
            vendors=vendors, mac_class=MAC_CLASS),
        "dhcpd_subnet.conf.middle": environment.get_template("dhcpd_subnet.conf.middle.j2").render(
            members=pool_members(vendors)),
    }
    vendor_template = environment.get_template("vendor.conf.j2")
    for vendor in vendors:
        source = vendor.source.resolve().relative_to(Path(plugins_dir).resolve()).as_posix()
        files[f"{VENDOR_FOLDER}/{vendor.file_stem}.conf"] = vendor_template.render(
            vendor=vendor, source=_printable(source), blocks=blocks(vendor), mac_class=MAC_CLASS)
    return {name: text.encode("ascii") for name, text in files.items()}


def _printable(text: str) -> str:
    """Text safe in a ``#`` comment: one line of printable ASCII."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)


def write_bundle(files: dict[str, bytes], dest: Path, mtime: int | None = None) -> Path:
    """Write the bundle archive atomically, members sorted, headers normalised like packages."""
    stamp = source_date_epoch() if mtime is None else mtime
    members = [(folder_member(VENDOR_FOLDER, stamp), None)]
    members += [(file_member(name, len(data), stamp), data) for name, data in files.items()]
    members.sort(key=lambda pair: pair[0].name.split("/"))
    write_archive(dest, members)
    return dest


def bundle_bytes(vendors: list[VendorDhcp], plugins_dir: Path) -> bytes:
    """The bundle archive of ``vendors``, as bytes (to compare with a bundle made earlier)."""
    with tempfile.TemporaryDirectory(prefix="dhcp-bundle-") as scratch:
        return write_bundle(render_bundle(vendors, plugins_dir), Path(scratch) / BUNDLE_NAME).read_bytes()


def check_bundle(data: bytes, where: str | Path) -> list[str]:
    """Refuse a bundle that is unsafe to extract into /etc/dhcp/ or not shaped like ours; its vendor files."""
    names = check_archive_bytes(data, where)
    for required in ROOT_FILES:
        if required not in names:
            raise ToolchainError(f"not a DHCP bundle: no {required} at its root", where)
    vendors = []
    for name in names:
        folder, _, file = name.rpartition("/")
        if folder == VENDOR_FOLDER and file.endswith(".conf"):
            vendors.append(file[:-len(".conf")])
        elif name not in (*ROOT_FILES, VENDOR_FOLDER):
            raise ToolchainError(f"unexpected member {name!r} (a bundle holds {', '.join(ROOT_FILES)} and "
                                 f"{VENDOR_FOLDER}/*.conf)", where)
    return sorted(vendors)
