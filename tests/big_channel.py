"""A channel the size of a real repository (100+ plugins, 800 models), written as an index.

The listing, the diff and the catalog page read only the index, so the packages are not
made: entries carry the file names, sizes and SHA-1s packages would have. Ids are long
(40+ characters, as some real ones) and descriptions hold ``<br/>`` as real ones do.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.channel import write_channel_index

VENDORS = ("Yealink", "Snom", "Fanvil", "Grandstream", "Cisco", "Polycom", "Gigaset", "Panasonic")
MODELS_PER_PLUGIN = 8


def plugin_id(n: int) -> str:
    """A long id, 44+ characters: the kind a narrow terminal must not break."""
    return f"wazo-{VENDORS[n % len(VENDORS)].lower()}-firmware-v{80 + n % 7}-{n:03d}-long-release-name"


def entry(n: int, version: str = "1.0") -> dict:
    vendor = VENDORS[n % len(VENDORS)]
    filename = f"{plugin_id(n)}-{version}.tar.bz2"
    return {
        "version": version,
        "description": f"Plugin for {vendor} phones in firmware v{80 + n % 7}.<br/>Supports BLF, "
                       f"paging and the {vendor} expansion modules.<br>Number {n}.",
        "capabilities": {f"{vendor}, T{n:03d}{chr(65 + m)}, {80 + n % 7}.{m}.0.{n}": {
            "lines": m + 1, "function_keys": 10 * m, "expansion_modules": m % 3, "high_availability": True,
            "switchboard": m % 2 == 0, "protocol": "sip", "type": "deskphone", "sip.lines": m + 1}
            for m in range(MODELS_PER_PLUGIN)},
        "filename": filename, "dsize": 120_000 + 97 * n, "sha1sum": hashlib.sha1(filename.encode()).hexdigest(),
    }


def big_index(plugins: int = 100, version: str = "1.0") -> Index:
    return Index({plugin_id(n): entry(n, version) for n in range(plugins)})


def publish_big_channel(repo: Path, channel: str = "stable", index: Index | None = None) -> Index:
    """Write ``index`` (default: 100 plugins) as ``channel`` of the local repository ``repo``, page included."""
    index = index if index is not None else big_index()
    write_channel_index(open_repository(str(repo)), channel, index, None)
    return index
