"""Indexes written by someone else, possibly hostile: refused in one line naming them, never a traceback.

Served from a local folder and from the S3 test server; read by every command that reads
an index (list, diff, promote, download-stable, remove).
"""
from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC

import pytest

from repo.errors import ToolchainError
from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.plan import apply, plan_promote, plan_remove, plan_upload
from repo.publish.stablesync import download_stable, plan_download
from repo.ui.progress import TransferProgress
from tests.conftest import plugin_info, run_inv
from tests.repo_fixtures import dev_build


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def entry(**changes) -> dict:
    good = json.loads(plugin_info("1.0")) | {"filename": "acme-1.0.tar.bz2", "dsize": 258, "sha1sum": "a" * 40}
    return good | changes


def index_bytes(entries: dict) -> bytes:
    return json.dumps(entries, allow_nan=True).encode()


DEEP = b'{"acme": {"capabilities": ' + b"[" * 5000 + b"]" * 5000 + b"}}"
HOSTILE = {
    "version 1": (index_bytes({"acme": entry(version=1)}), "version 1 is not a version"),
    "version null": (index_bytes({"acme": entry(version=None)}), "version None is not a version"),
    "version text": (index_bytes({"acme": entry(version="not a version!")}), "is not a version"),
    "dsize string": (index_bytes({"acme": entry(dsize="258")}), "dsize '258' is not a size in bytes"),
    "dsize NaN": (index_bytes({"acme": entry(dsize=float("nan"))}), "NaN is not a JSON number"),
    "dsize negative": (index_bytes({"acme": entry(dsize=-1)}), "dsize -1 is not a size"),
    "dsize huge": (index_bytes({"acme": entry()}).replace(b"258", b"9" * 5000), "Exceeds the limit"),
    "sha1 upper": (index_bytes({"acme": entry(sha1sum="A" * 40)}), "not 40 lowercase hex digits"),
    "description": (index_bytes({"acme": entry(description=["x"])}), "'description' must be a string"),
    "capabilities": (index_bytes({"acme": entry(capabilities="all")}), "'capabilities' must be an object"),
    "filename path": (index_bytes({"acme": entry(filename="../x.tar.bz2")}), "unsafe filename"),
    "filename NUL": (index_bytes({"acme": entry(filename="a\0.tar.bz2")}), "unsafe filename"),
    "id escape": (index_bytes({"\x1b[2Jacme": entry()}), "is not a plain name"),
    "id slash": (index_bytes({"../acme": entry()}), "is not a plain name"),
    "entry array": (index_bytes({"acme": [1]}), "an array, not an object"),
    "missing key": (index_bytes({"acme": {"version": "1.0"}}), "lacks description, capabilities"),
    "nested": (DEEP, "nested deeper than"),
    "whole nesting": (b"[" * 100000 + b"]" * 100000, "invalid index: "),
    "not an object": (b"[]", "not a JSON object"),
    "not UTF-8": (b'{"acme": "\xff"}', "invalid index"),
    # Readers disagree on which of two equal keys counts: the index must have one meaning.
    "duplicate id": (b'{"acme": %s, "acme": %s}' % (index_bytes(entry()), index_bytes(entry(version="9.0"))),
                     "duplicate key 'acme'"),
    "duplicate field": (index_bytes({"acme": entry()}).replace(b'"filename":', b'"filename": "../x", "filename":'),
                        "duplicate key 'filename'"),
}


@pytest.fixture
def storage(repo_address):
    return open_repository(repo_address)


def serve_index(storage, channel: str, data: bytes) -> None:
    storage.put(f"{channel}/plugins.db", data)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_every_reader_refuses_a_hostile_index_in_one_line(storage, tmp_path, case):
    data, message = HOSTILE[case]
    for channel in ("dev", "stable"):
        serve_index(storage, channel, data)
    readers = {
        "read": lambda: read_index(storage, "stable"),
        "promote": lambda: plan_promote(storage, "dev", "stable", ["acme"]),
        "remove": lambda: plan_remove(storage, "stable", ["acme"]),
        "download-stable plan": lambda: plan_download(storage, tmp_path / "mirror"),
        "download-stable": lambda: download_stable(storage, tmp_path / "mirror", quiet()),
    }
    for name, reader in readers.items():
        with pytest.raises(ToolchainError) as caught:
            reader()
        text = str(caught.value)
        assert text.startswith(tuple(storage.url(f"{channel}/plugins.db") + ": invalid index: "
                                     for channel in ("dev", "stable"))), (name, text)
        assert message in text and "\n" not in text and len(text) < 400, (name, text)
    assert not (tmp_path / "mirror").exists()


def test_an_index_too_large_to_read_is_refused_unless_the_limit_is_raised(storage, monkeypatch):
    description = "x" * (17 << 20)
    serve_index(storage, "stable", index_bytes({"acme": entry(description=description)}))
    with pytest.raises(ToolchainError, match=r"plugins\.db: larger than 16.0 MiB, the most an index may have "
                                             r"\(raise PROVD_MAX_INDEX_SIZE to read it\)"):
        read_index(storage, "stable")
    monkeypatch.setenv("PROVD_MAX_INDEX_SIZE", "32M")
    assert read_index(storage, "stable").index.get("acme")["description"] == description


def test_an_unusable_limit_is_one_line(storage, monkeypatch):
    monkeypatch.setenv("PROVD_MAX_INDEX_SIZE", "lots")
    with pytest.raises(ToolchainError, match=r"^PROVD_MAX_INDEX_SIZE must be a positive whole number of bytes"):
        read_index(storage, "stable")


@pytest.mark.parametrize("command", [
    ("list", "--channel", "stable"),
    ("diff", "dev", "stable"),
    ("promote", "acme"),
    ("download-stable",),
    ("download-stable", "--dry-run"),
    ("remove", "--channel", "stable", "acme"),
])
def test_commands_refuse_a_hostile_index_in_one_line(repo_address, tmp_path, command):
    storage = open_repository(repo_address)
    for channel in ("dev", "stable"):
        serve_index(storage, channel, index_bytes({"acme": entry(dsize="258", description="\x1b[2J")}))
    result = run_inv(*command, "--repo", repo_address, "--build-dir", str(tmp_path / "b"), cwd=tmp_path) \
        if command[0] == "download-stable" else run_inv(*command, "--repo", repo_address, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr in [f"error: {storage.url(channel + '/plugins.db')}: invalid index: entry 'acme': "
                             "dsize '258' is not a size in bytes\n" for channel in ("dev", "stable")]
    assert not (tmp_path / "b").exists()


# --- an entry must be the package it names ---------------------------------------------------------

def lying_index(storage, tmp_path, channel: str) -> bytes:
    """Publish package a-1.0 version 2.0 (file a-1.0-2.0.tar.bz2), then index it in ``channel`` as plugin ``a``
    version 1.0-2.0: the same file name, another plugin."""
    build_dir = dev_build(tmp_path / "b", {"a-1.0": "2.0"})
    package = (build_dir / "dev/a-1.0-2.0.tar.bz2").read_bytes()
    storage.put(f"{channel}/a-1.0-2.0.tar.bz2", package)
    lie = json.loads(plugin_info("1.0-2.0")) | {"filename": "a-1.0-2.0.tar.bz2", "dsize": len(package),
                                                "sha1sum": hashlib.sha1(package).hexdigest()}
    data = Index({"a": lie}).to_bytes()
    serve_index(storage, channel, data)
    return data


def test_promote_refuses_an_entry_naming_another_plugins_package(storage, tmp_path):
    lying_index(storage, tmp_path, "dev")
    with pytest.raises(ToolchainError, match=r"a-1\.0-2\.0\.tar\.bz2: holds plugin 'a-1\.0', not 'a' as its index "
                                             r"entry says$"):
        plan_promote(storage, "dev", "stable", ["a"])
    assert storage.list("stable") == []


def test_download_stable_mirrors_no_entry_naming_another_plugins_package(storage, tmp_path):
    lying_index(storage, tmp_path, "stable")
    mirror = tmp_path / "mirror/stable"
    with pytest.raises(ToolchainError, match="holds plugin 'a-1.0', not 'a'"):
        download_stable(storage, mirror, quiet())
    assert sorted(p.name for p in mirror.iterdir() if not p.name.startswith(".")) == []


def test_archiving_refuses_it_too(storage, tmp_path):
    lying_index(storage, tmp_path, "stable")
    with pytest.raises(ToolchainError, match="holds plugin 'a-1.0', not 'a'"):
        apply(plan_remove(storage, "stable", ["a"]), quiet())
    assert read_index(storage, "stable").index.get("a") is not None and storage.list("archive") == []


def test_a_package_larger_than_its_entry_says_is_not_downloaded(storage, tmp_path):
    build_dir = dev_build(tmp_path / "b", {"acme": "1.0"})
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    real = storage.get("stable/acme-1.0.tar.bz2")
    storage.put("stable/acme-1.0.tar.bz2", real + bytes(1 << 20))
    with pytest.raises(ToolchainError, match=rf"acme-1\.0\.tar\.bz2: larger than the {len(real)} bytes its index "
                                             "entry announces; not downloaded$"):
        download_stable(storage, tmp_path / "mirror", quiet())


def test_a_package_larger_than_the_package_limit_is_not_fetched(storage, tmp_path, monkeypatch):
    build_dir = dev_build(tmp_path / "b", {"acme": "1.0"})
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    monkeypatch.setenv("PROVD_MAX_PACKAGE_SIZE", "100")
    with pytest.raises(ToolchainError, match=r"its index entry announces \d+ bytes, more than the 100 bytes a "
                                             r"package may have \(raise PROVD_MAX_PACKAGE_SIZE to fetch it\)"):
        plan_promote(storage, "dev", "stable", ["acme"])


def test_an_entry_with_two_hundred_thousand_models_is_listed_and_paged_in_bounded_time():
    """6 MiB of capabilities (within the index bound) once took minutes: every model compared with every other."""
    from datetime import datetime

    from rich.console import Console

    from repo.catalog import listing
    from repo.catalog.page import render
    from tests.test_package_limits import guard

    many = entry(capabilities={f"Acme, M{number}, *": {"lines": 1} for number in range(200_000)})
    index = Index({"acme": many})
    with guard(60):
        out = io.StringIO()
        listing.show(listing.select(index), Console(file=out, width=100))
        page = render(index, "stable", datetime(2026, 1, 1, tzinfo=UTC), "a" * 40)
    assert "M199999" in out.getvalue() and b"M199999" in page
