"""The firmware mirror: _firmwares/<vendor>/ to <repo>/firmwares/<vendor>/ and back, checked against pkgs.db."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from repo.errors import ToolchainError
from repo.publish import firmwares
from repo.publish.address import open_repository
from repo.publish.storage import Stat
from repo.ui.progress import TransferProgress
from tests.conftest import FIRMWARE, run_inv, valid_plugin

KEY = "firmwares/acme/p1-1.0.zip"


def quiet() -> TransferProgress:
    import io
    return TransferProgress(io.StringIO())


@pytest.fixture
def tree(tmp_path) -> Path:
    """A plugins folder whose pkgs.db names _firmwares/acme/p1-1.0.zip (11 bytes, its sha1)."""
    plugins = tmp_path / "plugins"
    valid_plugin(plugins)
    return plugins


def upload(address: str, cwd: Path, *extra: str):
    return run_inv("upload-firmwares", "--repo", address, *extra, cwd=cwd)


def test_a_good_file_is_sent_once(repo_address, tree, tmp_path):
    first = upload(repo_address, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "1 firmware file(s) sent, 0 already there\n"
    storage = open_repository(repo_address)
    assert storage.get(KEY) == FIRMWARE
    assert storage.list("firmwares/acme") == ["p1-1.0.zip"]  # no staging file left
    again = upload(repo_address, tmp_path)
    assert (again.returncode, again.stdout) == (0, "0 firmware file(s) sent, 1 already there\n")
    assert again.stderr == ""


def test_dry_run_sends_nothing(repo_address, tree, tmp_path):
    plan = upload(repo_address, tmp_path, "--dry-run")
    assert plan.returncode == 0, plan.stderr
    storage = open_repository(repo_address)
    assert plan.stdout == (f"upload firmwares/ of {storage.url()}:\n  upload   {KEY} (11 bytes)\n"
                           "dry run: nothing changed\n")
    assert storage.stat(KEY) is None


@pytest.mark.parametrize("content, problem", [
    (b"hello world!", "12 bytes, but {pkgs_db}:15 says 11 bytes, sha1 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    (b"hello_world", "sha1 {sha1}, but {pkgs_db}:15 says 11 bytes, sha1 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
])
def test_a_mismatched_file_is_refused_and_nothing_is_sent(repo_address, tree, tmp_path, content, problem):
    (tree / "_firmwares/acme/other.bin").write_bytes(b"unknown")  # would be sent, if anything were
    (tree / "_firmwares/acme/p1-1.0.zip").write_bytes(content)
    done = upload(repo_address, tmp_path)
    assert done.returncode == 1
    pkgs_db = "plugins/xivo_acme/1.0/pkgs/pkgs.db"  # paths as the user gave them (the default plugins folder)
    expected = problem.format(pkgs_db=pkgs_db, sha1=Stat.of(content).sha1)
    assert done.stderr.splitlines() == [
        "warning: plugins/_firmwares/acme/other.bin: no pkgs.db of the tree names this file: sent unchecked",
        f"error: plugins/_firmwares/acme/p1-1.0.zip: {expected}",
        "error: 1 firmware file(s) do not match the pkgs.db that names them: nothing sent",
    ]
    storage = open_repository(repo_address)
    assert storage.list("firmwares/acme") == [] and storage.stat(KEY) is None
    assert upload(repo_address, tmp_path, "--dry-run").returncode == 1


def test_an_unknown_file_is_warned_about_and_sent(repo_address, tree, tmp_path):
    (tree / "_firmwares/acme/notes.txt").write_bytes(b"where the vendor hides it\n")
    done = upload(repo_address, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == ("warning: plugins/_firmwares/acme/notes.txt: no pkgs.db of the tree names "
                                           "this file: sent unchecked")
    assert open_repository(repo_address).get("firmwares/acme/notes.txt") == b"where the vendor hides it\n"


def test_the_plugins_folder_comes_from_the_configuration(tmp_path):
    valid_plugin(tmp_path / "repository/plugins")
    (tmp_path / "repository/invoke.yaml").write_text("provd:\n  plugins_dir: plugins\n  repo: www\n")
    done = run_inv("-f", "repository/invoke.yaml", "upload-firmwares", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "repository/www" / KEY).read_bytes() == FIRMWARE


# --- download ----------------------------------------------------------------------------------

def published(repo_address: str, tree: Path, tmp_path: Path) -> None:
    """Publish the mirror, then leave a checkout without its _firmwares folder."""
    (tree / "_firmwares/acme/notes.txt").write_bytes(b"unchecked\n")
    assert upload(repo_address, tmp_path).returncode == 0
    shutil.rmtree(tree / "_firmwares")


def test_download_brings_back_the_files_a_pkgs_db_names(repo_address, tree, tmp_path):
    published(repo_address, tree, tmp_path)
    done = run_inv("download-firmwares", "--repo", repo_address, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 firmware file(s) downloaded, 0 already there\n"
    storage = open_repository(repo_address)
    assert done.stderr.splitlines() == [
        f"warning: {storage.url('firmwares/acme/notes.txt')}: no pkgs.db of the tree names this file: not "
        "downloaded (nothing to check it against)",
        f"downloaded {storage.url(KEY)} (11 bytes)",
    ]
    assert (tree / "_firmwares/acme/p1-1.0.zip").read_bytes() == FIRMWARE
    assert not (tree / "_firmwares/acme/notes.txt").exists()
    again = run_inv("download-firmwares", "--repo", repo_address, cwd=tmp_path)
    assert again.stdout == "0 firmware file(s) downloaded, 1 already there\n"


@pytest.mark.parametrize("served", [b"hello_world", b"hello world, and more"])
def test_download_refuses_a_file_that_is_not_what_pkgs_db_says(repo_address, tree, tmp_path, served):
    published(repo_address, tree, tmp_path)
    open_repository(repo_address).put(KEY, served)
    done = run_inv("download-firmwares", "--repo", repo_address, cwd=tmp_path)
    assert done.returncode == 1
    url = open_repository(repo_address).url(KEY)
    if len(served) > len(FIRMWARE):
        assert done.stderr.endswith(f"error: {url}: larger than the 11 bytes the pkgs.db says: not downloaded\n")
    else:
        assert done.stderr.endswith(f"error: {url}: 11 bytes, sha1 {Stat.of(served).sha1}, but "
                                    "plugins/xivo_acme/1.0/pkgs/pkgs.db:15 says 11 bytes, sha1 "
                                    f"{Stat.of(FIRMWARE).sha1}: not downloaded\n")
    assert not (tree / "_firmwares/acme").exists() or list((tree / "_firmwares/acme").iterdir()) == []


class CountingStorage:
    """A repository that counts the bytes ``download`` hands out."""

    def __init__(self, storage):
        self.storage, self.read = storage, 0

    def __getattr__(self, name):
        return getattr(self.storage, name)

    def download(self, key, out, limit):
        storage = self

        class Counting:
            def write(self, data):
                storage.read += len(data)
                return out.write(data)

        return self.storage.download(key, Counting(), limit)


def test_download_stops_reading_once_a_file_outgrows_its_size(repo_address, tree, tmp_path):
    published(repo_address, tree, tmp_path)
    storage = CountingStorage(open_repository(repo_address))
    storage.put(KEY, b"x" * (8 << 20))  # 8 MB where pkgs.db says 11 bytes
    plan = firmwares.plan_download(storage, tree, ["acme"])
    with pytest.raises(ToolchainError, match="larger than the 11 bytes the pkgs.db says: not downloaded"):
        firmwares.download(storage, plan, quiet())
    assert storage.read <= 1 << 20  # one chunk, not the whole file
    assert list((tree / "_firmwares/acme").iterdir()) == []
