"""Firmware rule: a firmware file kept locally must be the one its pkgs.db describes.

Upstream keeps the firmware files a plugin's pkgs.db points to in
``plugins/_firmwares/<vendor>/``; the vendor folder is the build plugin's name without
its ``xivo_``/``wazo_`` prefix (``xivo_digium`` -> ``digium``). A file that is absent
is fine: it is only checked when present.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from repo.fileutil import sha1_file
from repo.validation.findings import Finding
from repo.validation.rules import finding

if TYPE_CHECKING:  # the build imports vendor_folder() without the pkgs.db parser
    from repo.validation.pkgsdb import PkgsDb

FIRMWARES_FOLDER = "_firmwares"
_VENDOR_PREFIXES = ("xivo_", "wazo_", "xivo-", "wazo-")


def vendor_folder(plugins_dir: Path, build_plugin: str) -> Path:
    """``<plugins_dir>/_firmwares/<vendor>``, the vendor taken from the build plugin's name."""
    vendor = next((build_plugin[len(p):] for p in _VENDOR_PREFIXES if build_plugin.startswith(p)), build_plugin)
    return plugins_dir / FIRMWARES_FOLDER / vendor


def check_firmware(pkgs: PkgsDb, folder: Path, pkgs_db_path: str) -> list[Finding]:
    findings = []
    for remote in pkgs.files:
        local = folder / remote.filename
        if not local.is_file():
            continue
        size = local.stat().st_size
        if size != remote.size:
            findings.append(finding("firmware-mismatch", pkgs_db_path, f"[file_{remote.file_id}] says size "
                                                                    f"{remote.size} but {local} has {size} bytes",
                                    remote.line))
        # Hashed only when the size matches and the sha1sum is one (a malformed one is reported already).
        elif remote.sha1sum is not None and (actual := sha1_file(local)) != remote.sha1sum:
            findings.append(finding("firmware-mismatch", pkgs_db_path, f"[file_{remote.file_id}] says sha1sum "
                                                                    f"{remote.sha1sum} but {local} has {actual}",
                                    remote.line))
    return findings
