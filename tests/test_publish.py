"""Publishing to channels, on both backends: upload, promote, remove, archive, stable sync, dry runs."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from repo.errors import ToolchainError
from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.channel import publish_file, read_index
from repo.publish.httpmeta import CHANNELS
from repo.publish.plan import apply, plan_promote, plan_remove, plan_upload
from repo.publish.stablesync import (
    download_stable,
    plan_download,
    plan_upload_stable,
    record_upload,
)
from repo.ui.progress import TransferProgress
from tests.conftest import plugin_info
from tests.repo_fixtures import dev_build


class Recording:
    """The real storage, with a log of the calls made to it."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            self.calls.append((name, args[0] if args else None))
            return attribute(*args, **kwargs)
        return call

    def writes(self) -> list[tuple[str, str]]:
        """Writes of repository files, claims (the bookkeeping of repo.publish.claims) left out."""
        return [c for c in self.calls if c[0] in ("put", "put_if", "copy", "delete") and "/.claims/" not in c[1]]


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def publish(storage, build_dir: Path, force: bool = False):
    return apply(plan_upload(storage, build_dir / "dev", force), quiet())


def snapshot(storage) -> dict[str, bytes]:
    return {f"{c}/{n}": storage.get(f"{c}/{n}") for c in CHANNELS for n in storage.list(c)}


def index_of(storage, channel: str) -> dict[str, str]:
    return {pid: entry["version"] for pid, entry in read_index(storage, channel).index.items()}


@pytest.fixture
def storage(repo_address):
    return open_repository(repo_address)


def test_upload_publishes_the_packages_and_the_very_same_index(storage, tmp_path):
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"})
    outcome = publish(storage, build_dir)
    assert sorted(outcome.transferred) == ["acme-0.3.tar.bz2", "beta-1.0.tar.bz2"] and outcome.index_written
    assert storage.get("dev/plugins.db") == (build_dir / "dev/plugins.db").read_bytes()
    for name in ("acme-0.3.tar.bz2", "beta-1.0.tar.bz2"):
        assert storage.get(f"dev/{name}") == (build_dir / "dev" / name).read_bytes()


def test_upload_merges_into_the_channel_index(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "one", {"acme": "0.3"}))
    publish(storage, dev_build(tmp_path / "two", {"beta": "1.0"}))
    assert index_of(storage, "dev") == {"acme": "0.3", "beta": "1.0"}


def test_publishing_nothing_new_uploads_nothing_and_rewrites_no_index(storage, tmp_path):
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"})
    publish(storage, build_dir)
    tag = storage.read("dev/plugins.db").tag
    recording = Recording(storage)
    outcome = publish(recording, build_dir)
    assert outcome.transferred == [] and not outcome.index_written
    assert recording.writes() == []
    assert storage.read("dev/plugins.db").tag == tag
    # Packages the index already names with the same SHA-1 are not even asked about.
    assert [key for call, key in recording.calls if call == "stat" and key.endswith(".tar.bz2")] == []


def test_only_new_packages_are_uploaded(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "one", {"acme": "0.3"}))
    recording = Recording(storage)
    publish(recording, dev_build(tmp_path / "two", {"acme": "0.3", "beta": "1.0"}))
    assert [c for c in recording.writes() if c[0] == "put"] == [("put", "dev/beta-1.0.tar.bz2"),
                                                                  ("put", "dev/index.html")]


def test_a_published_version_never_changes_unless_forced(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "one", {"acme": "0.3"}))
    before = snapshot(storage)
    changed = dev_build(tmp_path / "two", {"acme": "0.3"}, description="rebuilt differently")
    refused = plan_upload(storage, changed / "dev")
    assert [c.package.filename for c in refused.conflicts] == ["acme-0.3.tar.bz2"] and refused.staged == []
    with pytest.raises(ToolchainError, match="already published with different content.*bump the plugin version") \
            as caught:
        apply(refused, quiet())
    assert str(caught.value).startswith(storage.url("dev/acme-0.3.tar.bz2"))
    assert snapshot(storage) == before
    plan = plan_upload(storage, changed / "dev", force=True)
    assert [s.action for s in plan.staged] == ["replace"]
    apply(plan, quiet())
    assert storage.get("dev/acme-0.3.tar.bz2") == (changed / "dev/acme-0.3.tar.bz2").read_bytes()
    assert storage.get("dev/plugins.db") == (changed / "dev/plugins.db").read_bytes()


def test_superseded_versions_move_to_the_archive(storage, tmp_path):
    for n, version in enumerate(["0.3", "0.4", "0.5"]):
        publish(storage, dev_build(tmp_path / str(n), {"acme": version, "beta": "1.0"}))
    assert index_of(storage, "dev") == {"acme": "0.5", "beta": "1.0"}
    assert storage.list("dev") == ["acme-0.5.tar.bz2", "beta-1.0.tar.bz2", "index.html", "plugins.db"]
    assert storage.list("archive") == ["acme-0.3.tar.bz2", "acme-0.4.tar.bz2", "index.html", "plugins.db"]
    archive = read_index(storage, "archive").index
    assert index_of(storage, "archive") == {"acme": "0.4"}  # highest version per id
    assert archive.get("acme")["sha1sum"] == hashlib.sha1(storage.get("archive/acme-0.4.tar.bz2")).hexdigest()
    assert storage.get("archive/acme-0.3.tar.bz2") == (tmp_path / "0/_build/dev/acme-0.3.tar.bz2").read_bytes()


def test_an_older_local_build_is_not_published_over_a_newer_one(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "new", {"acme": "0.5"}))
    recording = Recording(storage)
    plan = plan_upload(recording, dev_build(tmp_path / "old", {"acme": "0.4"}) / "dev")
    assert plan.staged == [] and any("dev has the newer acme 0.5" in note for note in plan.notes)
    apply(plan, quiet())
    assert recording.writes() == [] and index_of(storage, "dev") == {"acme": "0.5"}


def test_promote_copies_checks_and_indexes(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"}))
    recording = Recording(storage)
    apply(plan_promote(recording, "dev", "stable", ["acme"]), quiet())
    assert ("copy", "dev/acme-0.3.tar.bz2") in recording.calls
    # no package travels through us: the catalog page is the only file sent
    assert [key for name, key in recording.writes() if name == "put"] == ["stable/index.html"]
    assert index_of(storage, "stable") == {"acme": "0.3"}
    assert read_index(storage, "stable").index.get("acme") == read_index(storage, "dev").index.get("acme")
    assert storage.get("stable/acme-0.3.tar.bz2") == storage.get("dev/acme-0.3.tar.bz2")
    # promoting again changes nothing; a newer dev version then supersedes the stable one
    again = Recording(storage)
    apply(plan_promote(again, "dev", "stable", ["acme"]), quiet())
    assert again.writes() == []
    publish(storage, dev_build(tmp_path / "b2", {"acme": "0.4"}))
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    assert index_of(storage, "stable") == {"acme": "0.4"}
    assert "acme-0.3.tar.bz2" not in storage.list("stable") and "acme-0.3.tar.bz2" in storage.list("archive")


@pytest.mark.parametrize("source, dest, ids, message", [
    ("dev", "stable", ["nope"], "no plugin 'nope' in the dev channel"),
    ("dev", "archive", ["acme"], "not promoted"),
    ("dev", "dev", ["acme"], "to itself"),
    ("dev", "prod", ["acme"], "unknown channel 'prod'"),
    ("dev", "stable", [], "name the plugin ids"),
])
def test_promote_mistakes(storage, tmp_path, source, dest, ids, message):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3"}))
    with pytest.raises(ToolchainError, match=message):
        plan_promote(storage, source, dest, ids)


def test_promote_refuses_a_package_that_does_not_match_its_index_entry(storage, tmp_path, monkeypatch):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3"}))
    storage.put("dev/acme-0.3.tar.bz2", b"corrupted on the server")
    monkeypatch.setenv("PROVD_VERDICTS_DIR", "off")  # never checked here: fetched, so the plan finds it
    with pytest.raises(ToolchainError, match="does not match its index entry"):
        plan_promote(storage, "dev", "stable", ["acme"])
    assert storage.list("stable") == []


def test_promote_of_bytes_checked_here_refuses_them_at_the_copy_when_they_changed(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3"}))  # checked by the build: not fetched again
    storage.put("dev/acme-0.3.tar.bz2", b"corrupted on the server")
    plan = plan_promote(storage, "dev", "stable", ["acme"])
    with pytest.raises(ToolchainError, match="acme-0.3.tar.bz2"):
        apply(plan, quiet())
    assert storage.list("stable") == [] and storage.get("stable/plugins.db") is None


def unsafe_package(plugin_id: str, version: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as tar:
        for name, data in ((f"{plugin_id}/plugin-info", plugin_info(version).encode()),
                           (f"{plugin_id}/../../etc/cron.d/evil", b"* * * * * root true\n")):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def test_promote_runs_the_package_checks_on_what_it_reads(storage):
    data = unsafe_package("evil", "1.0")
    storage.put("dev/evil-1.0.tar.bz2", data)
    entry = json.loads(plugin_info("1.0")) | {"filename": "evil-1.0.tar.bz2", "dsize": len(data),
                                              "sha1sum": hashlib.sha1(data).hexdigest()}
    storage.put_if("dev/plugins.db", Index({"evil": entry}).to_bytes(), None)
    with pytest.raises(ToolchainError, match="goes up with '..'"):
        plan_promote(storage, "dev", "stable", ["evil"])
    assert storage.list("stable") == []


def test_remove_moves_packages_to_the_archive(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"}))
    outcome = apply(plan_remove(storage, "dev", ["acme"]), quiet())
    assert outcome.archived == ["acme-0.3.tar.bz2"] and outcome.deleted == ["acme-0.3.tar.bz2"]
    assert index_of(storage, "dev") == {"beta": "1.0"}
    assert storage.list("dev") == ["beta-1.0.tar.bz2", "index.html", "plugins.db"]
    assert index_of(storage, "archive") == {"acme": "0.3"}
    assert storage.get("archive/acme-0.3.tar.bz2") == (tmp_path / "b/_build/dev/acme-0.3.tar.bz2").read_bytes()
    again = plan_remove(storage, "dev", ["acme"])
    assert "already out of the dev index" in again.notes[0]
    with pytest.raises(ToolchainError, match="no plugin 'nope' in the dev channel"):
        plan_remove(storage, "dev", ["nope"])
    with pytest.raises(ToolchainError, match="nothing is removed from it"):
        plan_remove(storage, "archive", ["acme"])


def test_dry_run_plans_change_nothing(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "one", {"acme": "0.3", "beta": "1.0"}))
    apply(plan_promote(storage, "dev", "stable", ["beta"]), quiet())
    before = snapshot(storage)
    plans = {
        "upload": plan_upload(storage, dev_build(tmp_path / "two", {"acme": "0.4", "gamma": "2.0"}) / "dev"),
        "promote": plan_promote(storage, "dev", "stable", ["acme"]),
        "remove": plan_remove(storage, "stable", ["beta"]),
    }
    text = {name: "\n".join(plan.lines()) for name, plan in plans.items()}
    assert snapshot(storage) == before
    assert "upload   acme-0.4.tar.bz2" in text["upload"] and "upload   gamma-2.0.tar.bz2" in text["upload"]
    assert "archive  acme-0.3.tar.bz2" in text["upload"] and "~ acme 0.3 -> 0.4" in text["upload"]
    assert "+ gamma 2.0" in text["upload"]
    assert "copy     acme-0.3.tar.bz2" in text["promote"] and "+ acme 0.3" in text["promote"]
    assert "archive  beta-1.0.tar.bz2" in text["remove"] and "- beta 1.0" in text["remove"]
    assert all(line.startswith(("dev", "stable", "  ")) for t in text.values() for line in t.splitlines())


def test_publish_file_replaces_one_file_once_verified(storage, tmp_path):
    bundle = tmp_path / "dhcpd.tar.bz2"
    bundle.write_bytes(b"first bundle")
    assert publish_file(storage, "dhcpd-update/dhcpd.tar.bz2", bundle, quiet())
    assert not publish_file(storage, "dhcpd-update/dhcpd.tar.bz2", bundle, quiet())
    bundle.write_bytes(b"second bundle")
    publish_file(storage, "dhcpd-update/dhcpd.tar.bz2", bundle, quiet())
    assert storage.get("dhcpd-update/dhcpd.tar.bz2") == b"second bundle"


# --- the classic stable flow ------------------------------------------------------------------

def test_classic_stable_flow(storage, tmp_path):
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"})
    publish(storage, build_dir)
    stable_dir = build_dir / "stable"
    download_stable(storage, stable_dir, quiet())  # stable is still empty
    assert not (stable_dir / "plugins.db").exists()
    (stable_dir / "acme-0.3.tar.bz2").write_bytes((build_dir / "dev/acme-0.3.tar.bz2").read_bytes())
    plan = plan_upload_stable(storage, stable_dir)
    record_upload(storage, stable_dir, apply(plan, quiet()).index)
    assert index_of(storage, "stable") == {"acme": "0.3"}
    assert (stable_dir / "plugins.db").read_bytes() == storage.get("stable/plugins.db")

    # someone promotes beta meanwhile: an upload from the stale mirror would lose it
    apply(plan_promote(storage, "dev", "stable", ["beta"]), quiet())
    (stable_dir / "acme-0.3.tar.bz2").unlink()
    with pytest.raises(ToolchainError, match="changed since it was downloaded"):
        apply(plan_upload_stable(storage, stable_dir), quiet())
    assert index_of(storage, "stable") == {"acme": "0.3", "beta": "1.0"}

    mirror = download_stable(storage, stable_dir, quiet())
    assert [e["filename"] for _, e in mirror.download] == ["acme-0.3.tar.bz2", "beta-1.0.tar.bz2"]
    assert (stable_dir / "plugins.db").read_bytes() == storage.get("stable/plugins.db")
    assert plan_download(storage, stable_dir).download == []  # up to date: nothing to fetch
    (stable_dir / "acme-0.3.tar.bz2").unlink()  # take acme out of stable
    record_upload(storage, stable_dir, apply(plan_upload_stable(storage, stable_dir), quiet()).index)
    assert index_of(storage, "stable") == {"beta": "1.0"}
    assert storage.list("stable") == ["beta-1.0.tar.bz2", "index.html", "plugins.db"]
    assert "acme-0.3.tar.bz2" in storage.list("archive")


def test_download_stable_mirrors_exactly(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3"}))
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    stable_dir = tmp_path / "mirror/stable"
    stable_dir.mkdir(parents=True)
    (stable_dir / "stray-1.0.tar.bz2").write_bytes(b"not in the channel")
    download_stable(storage, stable_dir, quiet())
    assert sorted(p.name for p in stable_dir.iterdir()) == [".origin.json", "acme-0.3.tar.bz2", "plugins.db"]


def test_download_stable_verifies_every_package(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3"}))
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    storage.put("stable/acme-0.3.tar.bz2", b"tampered")
    stable_dir = tmp_path / "mirror/stable"
    with pytest.raises(ToolchainError, match="does not match its index entry") as caught:
        download_stable(storage, stable_dir, quiet())
    assert "stable/acme-0.3.tar.bz2" in str(caught.value)
    assert not stable_dir.exists() or sorted(p.name for p in stable_dir.iterdir()) == []


def test_upload_stable_checks_the_packages_of_the_folder(storage, tmp_path):
    stable_dir = tmp_path / "b/_build/stable"
    download_stable(storage, stable_dir, quiet())
    (stable_dir / "evil-1.0.tar.bz2").write_bytes(unsafe_package("evil", "1.0"))
    with pytest.raises(ToolchainError, match="evil-1.0.tar.bz2.*goes up with '..'"):
        plan_upload_stable(storage, stable_dir)
    assert snapshot(storage) == {}


def test_upload_stable_needs_a_download_first_when_stable_exists(storage, tmp_path):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3"}))
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    stable_dir = tmp_path / "elsewhere/stable"
    stable_dir.mkdir(parents=True)
    with pytest.raises(ToolchainError, match="run `inv download-stable` first"):
        plan_upload_stable(storage, stable_dir)


@pytest.mark.parametrize("origin", [b"[" * 100_000 + b"]" * 100_000, b"\xff", b'{"repo": '],
                         ids=["nested", "not UTF-8", "truncated"])
def test_a_damaged_origin_record_is_one_line(storage, tmp_path, origin):
    publish(storage, dev_build(tmp_path / "b", {"acme": "0.3"}))
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    stable_dir = tmp_path / "mirror/stable"
    download_stable(storage, stable_dir, quiet())
    (stable_dir / ".origin.json").write_bytes(origin)
    with pytest.raises(ToolchainError, match=r"\.origin\.json: unreadable"):
        plan_upload_stable(storage, stable_dir)


@pytest.mark.parametrize("filename", ["../../etc/cron.d/evil.tar.bz2", ".hidden.tar.bz2", "a/b.tar.bz2"])
def test_an_index_naming_a_path_is_refused_before_anything_is_written(storage, tmp_path, filename):
    entry = json.loads(plugin_info("1.0")) | {"filename": filename, "dsize": 1, "sha1sum": "0" * 40}
    storage.put_if("stable/plugins.db", Index({"evil": entry}).to_bytes(), None)
    with pytest.raises(ToolchainError, match="unsafe filename"):
        download_stable(storage, tmp_path / "mirror/stable", quiet())
    assert not (tmp_path / "mirror").exists()
