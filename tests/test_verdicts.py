"""Verdicts (repo.package.verdicts): a package this user's toolchain checked is not checked again, and nothing else
passes for one: not a record from another key, another toolchain, another folder, nor one edited by hand."""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from repo.errors import ToolchainError
from repo.package import verdicts
from repo.publish import plan as planning
from repo.publish.address import open_repository
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.ui.progress import TransferProgress
from tests.repo_fixtures import dev_build


@pytest.fixture
def inspected(monkeypatch) -> list:
    """The package files (or downloads) the publish code checks in full."""
    calls: list = []
    for name in ("inspect_package", "inspect_package_stream"):
        original = getattr(planning, name)
        monkeypatch.setattr(planning, name, lambda *args, _original=original, **kw: calls.append(args[0]) or
                            _original(*args, **kw))
    return calls


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def records_file() -> Path:
    [path] = Path(os.environ[verdicts.VARIABLE]).glob("verdicts-*.jsonl")
    return path


def test_an_upload_does_not_check_again_what_the_build_just_checked(tmp_path, inspected):
    built = dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"})
    storage = open_repository(str(tmp_path / "repo"))
    apply(plan_upload(storage, built / "dev"), quiet())
    assert inspected == []
    assert sorted(storage.list("dev")) == ["acme-0.3.tar.bz2", "beta-1.0.tar.bz2", "index.html", "plugins.db"]


def test_a_build_folder_from_elsewhere_is_checked_in_full(tmp_path, inspected, monkeypatch):
    built = dev_build(tmp_path / "b", {"acme": "0.3"})  # checked under another user's records (another key)
    monkeypatch.setenv(verdicts.VARIABLE, str(tmp_path / "this user"))
    apply(plan_upload(open_repository(str(tmp_path / "repo")), built / "dev"), quiet())
    assert inspected == [built / "dev" / "acme-0.3.tar.bz2"]


def test_a_package_changed_after_the_build_is_checked_in_full(tmp_path, inspected):
    built = dev_build(tmp_path / "b", {"acme": "0.3"})
    package = built / "dev" / "acme-0.3.tar.bz2"
    package.write_bytes(package.read_bytes()[:-1] + b"\0")
    with pytest.raises(ToolchainError, match=f"^{package}: "):
        plan_upload(open_repository(str(tmp_path / "repo")), built / "dev")
    assert inspected == [package]


@pytest.mark.parametrize("edit", ["info", "sha1sum", "mac", "torn"])
def test_a_record_edited_by_hand_counts_for_nothing(tmp_path, inspected, edit):
    built = dev_build(tmp_path / "b", {"acme": "0.3"})
    path = records_file()
    line = json.loads(path.read_bytes())
    record = json.loads(line["record"])
    if edit == "info":  # e.g. a hostile package's real id and info, to pass it for the checked one
        record["info"]["description"] = "forged"
        line["record"] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    elif edit == "sha1sum":
        record["sha1sum"] = "0" * 40
        line["record"] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    elif edit == "mac":
        line["mac"] = "0" * 64
    path.write_bytes(json.dumps(line).encode()[:-5] if edit == "torn" else json.dumps(line).encode() + b"\n")
    verdicts._store_in.cache_clear()  # a new process: what is on disk now
    apply(plan_upload(open_repository(str(tmp_path / "repo")), built / "dev"), quiet())
    assert inspected == [built / "dev" / "acme-0.3.tar.bz2"]


def test_records_count_only_for_the_package_bounds_they_were_made_under(tmp_path, inspected, monkeypatch):
    built = dev_build(tmp_path / "b", {"acme": "0.3"})
    monkeypatch.setenv("PROVD_MAX_MEMBERS", "1")  # the package has two members: it must now be refused
    with pytest.raises(ToolchainError, match="members"):
        plan_upload(open_repository(str(tmp_path / "repo")), built / "dev")
    assert inspected == [built / "dev" / "acme-0.3.tar.bz2"]


def test_a_key_others_can_read_is_not_used(tmp_path, inspected):
    key = Path(os.environ[verdicts.VARIABLE]) / "key"
    verdicts.lookup(0, "0" * 40, "none")  # makes the key
    key.chmod(0o644)
    verdicts._store_in.cache_clear()
    built = dev_build(tmp_path / "b", {"acme": "0.3"})
    assert list(key.parent.glob("verdicts-*.jsonl")) == []  # nothing recorded with it
    apply(plan_upload(open_repository(str(tmp_path / "repo")), built / "dev"), quiet())
    assert inspected == [built / "dev" / "acme-0.3.tar.bz2"]


def test_a_promote_copies_bytes_checked_here_without_fetching_them_and_fetches_the_others(tmp_path, inspected,
                                                                                          monkeypatch):
    built = dev_build(tmp_path / "b", {"acme": "0.3"})
    storage = open_repository(str(tmp_path / "repo"))
    apply(plan_upload(storage, built / "dev"), quiet())
    fetched = []
    download = planning.download_verified
    monkeypatch.setattr(planning, "download_verified", lambda s, key, *a: fetched.append(key) or download(s, key, *a))
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    assert fetched == [] and inspected == []  # the copy is verified against the SHA-1 of the bytes checked
    assert storage.stat("stable/acme-0.3.tar.bz2") == storage.stat("dev/acme-0.3.tar.bz2")
    monkeypatch.setenv(verdicts.VARIABLE, str(tmp_path / "another machine"))
    storage.delete("stable/acme-0.3.tar.bz2")
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())  # never checked there: fetched and checked
    assert fetched == ["dev/acme-0.3.tar.bz2"] and len(inspected) == 1


def test_records_of_processes_writing_at_once_stay_whole(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from repo.package import verdicts; from repo.package.archive import PackageInfo; "
            "verdicts.record([PackageInfo(f'p{n}', {'version': '1.0', 'pad': 'x' * 3000}, f'p{n}-1.0.tar.bz2', n, "
            "f'{n:040x}') for n in range(int(sys.argv[1]), int(sys.argv[1]) + 200)])")
    root = Path(__file__).resolve().parent.parent
    writers = [subprocess.Popen([sys.executable, "-c", code, str(start)], cwd=root) for start in (0, 1000, 2000)]
    assert [writer.wait() for writer in writers] == [0, 0, 0]
    verdicts._store_in.cache_clear()
    assert all(verdicts.lookup(n, f"{n:040x}", f"p{n}-1.0.tar.bz2") is not None
               for start in (0, 1000, 2000) for n in range(start, start + 200))
