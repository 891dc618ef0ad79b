"""A small stand-in for what a provd server does with a plugin repository (contract sections 1-3).

"update" downloads ``<base>/plugins.db`` and refuses it if any entry lacks a required
key; "install" downloads the package the entry names, checks its size and SHA-1,
extracts it and loads its plugin-info. Unlike provd, extraction filters members
('data' filter), so a test can never write outside its folder.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
import urllib.request
from pathlib import Path

REQUIRED = ("version", "description", "capabilities", "filename", "dsize", "sha1sum")


def fetch(url: str) -> bytes:
    assert url.startswith("http://127.0.0.1:"), url  # tests talk to this machine only
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def update(base_url: str) -> dict:
    db = json.loads(fetch(base_url.rstrip("/") + "/plugins.db"))
    for plugin_id, entry in db.items():
        missing = [key for key in REQUIRED if key not in entry]
        assert not missing, f"provd would refuse plugins.db: {plugin_id} lacks {missing}"
    return db


def install(base_url: str, db: dict, plugin_id: str, plugins_dir: Path) -> dict:
    """Install like provd does; return the installed plugin's plugin-info."""
    entry = db[plugin_id]
    data = fetch(base_url.rstrip("/") + "/" + entry["filename"])
    assert len(data) == entry["dsize"], "size differs from dsize"
    assert hashlib.sha1(data).hexdigest() == entry["sha1sum"], "sha1 differs from sha1sum"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:bz2") as tar:
        # Debian 12's Python (3.11.2) predates extraction filters (3.11.4); what is extracted here is our own.
        tar.extractall(plugins_dir, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return json.loads((plugins_dir / plugin_id / "plugin-info").read_text())
