"""The DHCP bundle ``dhcpd.tar.bz2`` that ``dhcpd-update`` extracts into /etc/dhcp/.

Rendered from Jinja2 templates (repo/templates/dhcp/) over the plugins' DHCP data,
written as a reproducible archive: same data, same bytes.
"""
from __future__ import annotations

from pathlib import Path

import jinja2

from repo.build.packaging import (
    file_member,
    folder_member,
    source_date_epoch,
    write_archive,
)
from repo.dhcp.data import DhcpClass, VendorDhcp, dhcpd_string
from repo.errors import ToolchainError
from repo.package.archive import check_archive_bytes
from repo.templating import template_environment

BUNDLE_NAME = "dhcpd.tar.bz2"
VENDOR_FOLDER = "dhcpd_update"
ROOT_FILES = ("dhcpd_update.conf", "dhcpd_subnet.conf.middle")


def match_expression(dhcp_class: DhcpClass) -> str:
    """The dhcpd boolean expression recognising a class: vendor class prefix or MAC prefixes."""
    rules = []
    if dhcp_class.vendor_class_prefix is not None:
        prefix = dhcp_class.vendor_class_prefix
        rules.append(f"substring(option vendor-class-identifier, 0, {len(prefix)}) = {dhcpd_string(prefix)}")
    for mac in dhcp_class.mac_prefixes:
        # Byte 0 of `hardware` is the hardware type; the address starts at byte 1.
        rules.append(f"substring(hardware, 1, {mac.count(':') + 1}) = {mac}")
    return " or ".join(rules)


def _environment() -> jinja2.Environment:
    environment = template_environment("dhcp")
    environment.filters["dhcpd_string"] = dhcpd_string
    environment.filters["match_expression"] = match_expression
    return environment


def render_bundle(vendors: list[VendorDhcp], plugins_dir: Path) -> dict[str, bytes]:
    """The bundle's files, by path inside the archive."""
    environment = _environment()
    files = {
        "dhcpd_update.conf": environment.get_template("dhcpd_update.conf.j2").render(vendors=vendors),
        "dhcpd_subnet.conf.middle": environment.get_template("dhcpd_subnet.conf.middle.j2").render(vendors=vendors),
    }
    vendor_template = environment.get_template("vendor.conf.j2")
    for vendor in vendors:
        source = vendor.source.resolve().relative_to(Path(plugins_dir).resolve()).as_posix()
        files[f"{VENDOR_FOLDER}/{vendor.file_stem}.conf"] = vendor_template.render(vendor=vendor, source=source)
    return {name: text.encode("ascii") for name, text in files.items()}


def write_bundle(files: dict[str, bytes], dest: Path, mtime: int | None = None) -> Path:
    """Write the bundle archive atomically, members sorted, headers normalised like packages."""
    stamp = source_date_epoch() if mtime is None else mtime
    members = [(folder_member(VENDOR_FOLDER, stamp), None)]
    members += [(file_member(name, len(data), stamp), data) for name, data in files.items()]
    members.sort(key=lambda pair: pair[0].name.split("/"))
    write_archive(dest, members)
    return dest


def check_bundle(data: bytes, where: str | Path) -> None:
    """Refuse a bundle that is unsafe to extract into /etc/dhcp/ or not shaped like ours."""
    names = check_archive_bytes(data, where)
    for required in ROOT_FILES:
        if required not in names:
            raise ToolchainError(f"not a DHCP bundle: no {required} at its root", where)
    for name in names:
        folder, _, file = name.rpartition("/")
        if name not in (*ROOT_FILES, VENDOR_FOLDER) and not (folder == VENDOR_FOLDER and file.endswith(".conf")):
            raise ToolchainError(f"unexpected member {name!r} (a bundle holds {', '.join(ROOT_FILES)} and "
                                 f"{VENDOR_FOLDER}/*.conf)", where)
