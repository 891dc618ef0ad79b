"""Packages not built here pass the same rules as packages built here, wherever they enter a channel or mirror."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

import build
from repo.errors import ToolchainError
from repo.package.checks import inspect_package_bytes
from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.plan import apply, plan_promote, plan_remove
from repo.publish.stablesync import download_stable, plan_upload_stable
from repo.ui.progress import TransferProgress
from tests.tarballs import INFO, PLUGIN_ID, member, plugin_members, tarball

P = PLUGIN_ID
DIR = tarfile.DIRTYPE


def package(top: str = P, extra=(), **kwargs) -> tuple[str, bytes]:
    """(file name, bytes) of a package that is safe to extract, with ``extra`` members."""
    return f"{top}-0.3.tar.bz2", tarball(plugin_members(top, **kwargs) + list(extra))


BROKEN = {
    "no entry.py": ((f"{P}-0.3.tar.bz2", tarball(plugin_members()[:2])),
                    f"{P}/entry.py: no entry.py: provd cannot load the plugin"),
    "entry.py does not parse": (package(entry=b"class Plugin:\n    IS_PLUGIN = True\n  oops\n"),
                                f"{P}/entry.py:3: Python syntax error"),
    "pkgs.db does not parse": (package(extra=[member(f"{P}/pkgs", DIR), member(f"{P}/pkgs/pkgs.db", data=b"junk\n")]),
                               f"{P}/pkgs/pkgs.db:1: 'junk' comes before any [section] header"),
    "Jinja syntax error": (package(extra=[member(f"{P}/templates", DIR),
                                          member(f"{P}/templates/base.tpl", data=b"{% if %}\n")]),
                           f"{P}/templates/base.tpl:1: Jinja2 syntax error"),
    ".git": (package(extra=[member(f"{P}/.git", DIR), member(f"{P}/.git/HEAD", data=b"ref\n")]),
             f"{P}/.git: VCS metadata '.git' should not be packaged"),
    "__pycache__": (package(extra=[member(f"{P}/__pycache__", DIR), member(f"{P}/__pycache__/x.pyc", data=b"")]),
                    f"{P}/__pycache__: Python bytecode '__pycache__' should not be packaged"),
    "id with a space": (package("acme 1.0"), "plugin id 'acme 1.0' is not a plain name"),
    "id with a leading dash": (package("-acme"), "plugin id '-acme' is not a plain name"),
    "id with an escape character": (package("acme\x1b[31m"),
                                    r"member name 'acme\x1b[31m' contains a control character"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_packages_breaking_the_rules_are_refused(case):
    (filename, data), message = BROKEN[case]
    with pytest.raises(ToolchainError) as caught:
        inspect_package_bytes(data, filename)
    assert message in str(caught.value)
    assert str(caught.value).startswith(filename) and "\n" not in str(caught.value)


def test_a_package_following_the_rules_is_accepted_and_warnings_do_not_refuse_it():
    filename, data = package(extra=[member(f"{P}/templates", DIR), member(f"{P}/templates/base.tpl", data=b"{{ x }}\n"),
                                    member(f"{P}/dangling", tarfile.SYMTYPE, linkname="var/nothing")])
    assert inspect_package_bytes(data, filename).plugin_id == P


def test_rules_are_judged_on_a_scratch_copy_that_is_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    filename, data = package()
    inspect_package_bytes(data, filename)
    with pytest.raises(ToolchainError):
        inspect_package_bytes(BAD, BAD_NAME)
    assert list(tmp_path.iterdir()) == []


# --- every way in: promote, upload-stable, download-stable, build.py -D ------------------------

BAD_NAME, BAD = BROKEN["Jinja syntax error"][0]
BAD_MESSAGE = BROKEN["Jinja syntax error"][1]


@pytest.fixture
def storage(repo_address):
    return open_repository(repo_address)


def put_indexed(storage, channel: str, filename: str, data: bytes) -> None:
    storage.put(f"{channel}/{filename}", data)
    entry = json.loads(INFO) | {"filename": filename, "dsize": len(data), "sha1sum": hashlib.sha1(data).hexdigest()}
    storage.put_if(f"{channel}/plugins.db", Index({P: entry}).to_bytes(), None)


def test_promote_refuses_a_package_breaking_the_rules(storage):
    put_indexed(storage, "dev", BAD_NAME, BAD)
    with pytest.raises(ToolchainError, match=BAD_MESSAGE.replace("[", r"\[")):
        plan_promote(storage, "dev", "stable", [P])
    assert storage.list("stable") == []


def test_download_stable_mirrors_no_package_breaking_the_rules(storage, tmp_path):
    put_indexed(storage, "stable", BAD_NAME, BAD)
    with pytest.raises(ToolchainError, match=BAD_MESSAGE.replace("[", r"\[")):
        download_stable(storage, tmp_path / "stable", TransferProgress(io.StringIO()))
    assert not (tmp_path / "stable" / BAD_NAME).exists() and not (tmp_path / "stable/plugins.db").exists()


def test_upload_stable_refuses_a_package_breaking_the_rules(storage, tmp_path):
    stable_dir = tmp_path / "stable"
    download_stable(storage, stable_dir, TransferProgress(io.StringIO()))
    (stable_dir / BAD_NAME).write_bytes(BAD)
    with pytest.raises(ToolchainError, match=BAD_MESSAGE.replace("[", r"\[")):
        plan_upload_stable(storage, stable_dir)
    assert storage.list("stable") == []


def test_the_classic_index_command_refuses_a_package_breaking_the_rules(tmp_path, capsys):
    (tmp_path / BAD_NAME).write_bytes(BAD)
    assert build.main(["--db", "--source", str(tmp_path)]) == 1
    assert BAD_MESSAGE in capsys.readouterr().err
    assert not (tmp_path / "plugins.db").exists()


def test_a_published_package_breaking_todays_rules_can_still_be_removed(storage):
    # Rules tighten over time: what an index already names must stay removable (and archived).
    put_indexed(storage, "dev", BAD_NAME, BAD)
    apply(plan_remove(storage, "dev", [P]))
    assert Index.from_bytes(storage.get("dev/plugins.db")).get(P) is None
    assert storage.get(f"archive/{BAD_NAME}") == BAD
