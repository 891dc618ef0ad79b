"""Publishing the DHCP bundle to ``<repo>/<dhcp path>/dhcpd.tar.bz2``, where dhcpd-update fetches it.

The path is configuration (``provd.dhcp_path``, e.g. ``dhcpd-update/13.17`` for the
servers of one release). The bundle replaces the servers' whole set of classes, so a
bundle that would drop a vendor the published one serves is refused unless forced.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from repo.dhcp.bundle import BUNDLE_NAME, check_bundle
from repo.dhcp.data import vendor_key
from repo.errors import ToolchainError
from repo.fileutil import read_file
from repo.publish.channel import publish_file
from repo.publish.storage import Storage
from repo.ui.progress import TransferProgress, format_bytes

DEFAULT_DHCP_PATH = "dhcpd-update"
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def dhcp_path(option: str | None, config: Mapping) -> str:
    """The repository folder of the bundle: ``--path``, else ``provd.dhcp_path``, else dhcpd-update."""
    value = option or config.get("dhcp_path") or DEFAULT_DHCP_PATH
    path = str(value).strip("/") if isinstance(value, str) else ""
    if not path or not all(_SEGMENT.fullmatch(part) for part in path.split("/")):
        source = "--path" if option else "provd.dhcp_path"
        raise ToolchainError(f"{source} {value!r} is not a folder path of the repository like dhcpd-update/13.17 "
                             "(letters, digits, '.', '_', '-'; no '..')")
    return path


def bundle_key(path: str) -> str:
    return f"{path}/{BUNDLE_NAME}"


def vendor_change(published: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Vendor files the new bundle adds and drops, compared by vendor (``cisco_spa`` is ``cisco-spa``)."""
    old_keys = {vendor_key(name): name for name in published}
    new_keys = {vendor_key(name): name for name in new}
    return (sorted(new_keys[k] for k in new_keys.keys() - old_keys.keys()),
            sorted(old_keys[k] for k in old_keys.keys() - new_keys.keys()))


def publish_bundle(storage: Storage, bundle: Path, path: str = DEFAULT_DHCP_PATH, dry_run: bool = False,
                   force: bool = False, progress: TransferProgress | None = None) -> str:
    """Check the bundle against the published one, then publish it unless the repository has the same bytes."""
    data = read_file(bundle)
    vendors = check_bundle(data, bundle)
    key = bundle_key(path)
    target = storage.url(key)
    published = storage.get(key)
    change = ""
    if published is not None and published != data:
        try:
            served = check_bundle(published, target)
        except ToolchainError as exc:
            if not force:
                raise ToolchainError(f"the published bundle is not readable ({exc.message}): which vendors it "
                                     "serves is unknown (--force replaces it)", target) from None
            served = []
        added, dropped = vendor_change(served, vendors)
        if dropped and not force:
            raise ToolchainError(f"the bundle would drop {len(dropped)} vendor(s) that {target} serves: "
                                 f"{', '.join(dropped)}; their phones would no longer find provd (--force "
                                 "publishes it anyway)", bundle)
        change = "; vendors " + ", ".join([*(f"+{v}" for v in added), *(f"-{v}" for v in dropped)] or ["unchanged"])
    if dry_run:
        if published == data:
            return f"{target} is up to date"
        return f"would publish {bundle} ({format_bytes(len(data))}) to {target}{change}"
    if publish_file(storage, key, bundle, progress):
        return f"published {target}{change}"
    return f"{target} is up to date"
