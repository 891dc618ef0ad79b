"""Publishing the DHCP bundle to ``<repo>/dhcpd-update/dhcpd.tar.bz2``, where dhcpd-update fetches it."""
from __future__ import annotations

from pathlib import Path

from repo.dhcp.bundle import check_bundle
from repo.fileutil import read_file
from repo.publish.channel import publish_file
from repo.publish.storage import Stat, Storage
from repo.ui.progress import TransferProgress, format_bytes

BUNDLE_KEY = "dhcpd-update/dhcpd.tar.bz2"


def publish_bundle(storage: Storage, bundle: Path, dry_run: bool = False,
                   progress: TransferProgress | None = None) -> str:
    """Check the bundle, then publish it unless the repository has the same bytes; say what happened."""
    data = read_file(bundle)
    check_bundle(data, bundle)
    target = storage.url(BUNDLE_KEY)
    if dry_run:
        if storage.stat(BUNDLE_KEY) == Stat.of(data):
            return f"{target} is up to date"
        return f"would publish {bundle} ({format_bytes(len(data))}) to {target}"
    if publish_file(storage, BUNDLE_KEY, bundle, progress):
        return f"published {target}"
    return f"{target} is up to date"
