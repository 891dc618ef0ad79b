"""`inv check`: one line per problem, exit 1; unindexed files and claims listed; all channels or one."""
from __future__ import annotations

import hashlib
import io
import json

import pytest

from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.check import check_repository
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.ui.progress import TransferProgress
from tests.conftest import run_inv
from tests.repo_fixtures import dev_build


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def replace_index(storage, channel: str, data: bytes) -> None:
    storage.put_if(f"{channel}/plugins.db", data, storage.read(f"{channel}/plugins.db").tag)


@pytest.fixture
def repository(repo_address, tmp_path):
    """dev: acme 0.4 and beta (acme 0.3 archived), stable: acme 0.4."""
    storage = open_repository(repo_address)
    apply(plan_upload(storage, dev_build(tmp_path / "one", {"acme": "0.3"}) / "dev"), quiet())
    apply(plan_upload(storage, dev_build(tmp_path / "two", {"acme": "0.4", "beta": "1.0"}) / "dev"), quiet())
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    return repo_address, storage


def test_a_consistent_repository(repository, tmp_path):
    address, storage = repository
    report = check_repository(storage)
    assert report.problems == [] and report.packages == 4
    storage.put("archive/acme-0.2.tar.bz2", b"an old version the archive index does not name")
    result = run_inv("check", "--repo", address, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [f"{storage.url('archive/acme-0.2.tar.bz2')}: not indexed",
                                          f"{storage.url()}: 3 channels, 4 packages checked: 0 problems: ok"]
    quiet_run = run_inv("check", "--repo", address, "--quiet", "--channel", "stable", cwd=tmp_path)
    assert quiet_run.stdout == f"{storage.url()}: 1 channel, 1 package checked: 0 problems: ok\n"


def test_every_problem_is_one_line(repository, tmp_path):
    address, storage = repository
    storage.delete("stable/acme-0.4.tar.bz2")
    storage.put("dev/beta-1.0.tar.bz2", b"damaged")
    archive = read_index(storage, "archive")
    entry = dict(archive.index.get("acme"))
    replace_index(storage, "archive", Index({"other": entry}).to_bytes())  # names acme's package as "other"
    beta = read_index(storage, "dev").index.get("beta")
    report = check_repository(storage)
    damaged = (f"{storage.url('dev/beta-1.0.tar.bz2')}: does not match its index entry (7 bytes, sha1 "
               f"{hashlib.sha1(b'damaged').hexdigest()}; index: {beta['dsize']} bytes, sha1 {beta['sha1sum']})")
    assert report.problems == [
        damaged,
        f"{storage.url('stable/acme-0.4.tar.bz2')}: missing, although the index entry 'acme' names it",
        f"{storage.url('archive/acme-0.3.tar.bz2')}: holds plugin 'acme', not 'other' as its index entry says",
    ]
    result = run_inv("check", "--repo", address, cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    assert result.stdout.splitlines()[:3] == report.problems
    assert result.stdout.splitlines()[-1].endswith(": 3 channels, 4 packages checked: 3 problems: FAILED")


def test_an_unreadable_index_is_one_problem_and_the_other_channels_are_checked(repository):
    _, storage = repository
    replace_index(storage, "stable", json.dumps({"acme": {"version": None}}).encode())
    report = check_repository(storage)
    assert report.problems == [(f"{storage.url('stable/plugins.db')}: invalid index: entry 'acme': lacks "
                                "description, capabilities, filename, dsize, sha1sum")]
    assert report.packages == 3
    assert f"{storage.url('stable/acme-0.4.tar.bz2')}: not indexed" not in report.notes  # unknown: not listed


def test_an_unknown_channel_or_repository(tmp_path):
    result = run_inv("check", "--repo", str(tmp_path / "repo"), "--channel", "prod", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, ("error: unknown channel 'prod' (channels: dev, stable, "
                                                      "archive)\n"))
