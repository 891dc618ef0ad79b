"""Installing the real provd for the tests (tests/install_provd.py), and what the suite does without it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from repo.validation.provdcompat import install_command
from tests import install_provd
from tests.conftest import ROOT, run_inv, valid_plugin, write_tree

INSTALLER = ROOT / "tests/install_provd.py"

ARCHIVE_FILES = ["wazo-provd-5dde9848bc6a.tar.gz", "xivo-fetchfw-f504da74f847.tar.gz",
                 "wazo-auth-client-a4741e34f373.tar.gz", "wazo-amid-client-4c2fbc3f6cee.tar.gz",
                 "wazo-lib-rest-client-301b6a99168a.tar.gz", "xivo-lib-python-b773b7b64111.tar.gz",
                 "wazo-bus-4c47e71cb072.tar.gz"]


def test_the_requirements_pin_one_commit_of_each_public_repository():
    archives = install_provd.read_archives()
    assert [a.filename for a in archives] == ARCHIVE_FILES
    assert archives[5].name == "xivo" and archives[5].url == \
        "https://github.com/wazo-platform/xivo-lib-python/archive/b773b7b64111.tar.gz"


def test_archives_come_from_the_local_folder_else_from_their_repositories(tmp_path):
    archives = install_provd.read_archives()
    assert install_provd.archive_sources(archives, None) == [a.url for a in archives]
    write_tree(tmp_path, {name: b"" for name in ARCHIVE_FILES})
    assert install_provd.archive_sources(archives, tmp_path) == [str(tmp_path / name) for name in ARCHIVE_FILES]
    (tmp_path / ARCHIVE_FILES[1]).unlink()
    with pytest.raises(install_provd.InstallError, match=f"^{tmp_path}: no {ARCHIVE_FILES[1]} "):
        install_provd.archive_sources(archives, tmp_path)


def test_which_local_folder(tmp_path):
    first, second = tmp_path / "shared/provd", tmp_path / "elsewhere"
    second.mkdir()
    assert install_provd.sources_folder({}, [first, second]) == second
    first.mkdir(parents=True)
    assert install_provd.sources_folder({}, [first, second]) == first
    assert install_provd.sources_folder({"PROVD_SOURCES": str(second)}, [first]) == second
    assert install_provd.sources_folder({}, [tmp_path / "none"]) is None
    with pytest.raises(install_provd.InstallError, match=r"no such folder \(\$PROVD_SOURCES\)"):
        install_provd.sources_folder({"PROVD_SOURCES": str(tmp_path / "none")}, [first])


@pytest.mark.provd
def test_installed_here_and_a_second_run_changes_nothing():
    checked = subprocess.run([sys.executable, str(INSTALLER), "--check"], capture_output=True, text=True)
    assert (checked.returncode, checked.stdout) == (0, "provd is installed\n")
    again = subprocess.run([sys.executable, str(INSTALLER)], capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout.startswith("provd already installed in "), again.stderr
    assert all(archive.is_installed() for archive in install_provd.read_archives())
    other_commit = install_provd.Archive("wazo-provd", "wazo-provd", "0" * 12, "")
    assert not other_commit.is_installed()


def shadowed_provd(tmp_path: Path) -> dict:
    """An environment in which `import wazo_provd` fails, as where provd is not installed."""
    write_tree(tmp_path / "shadow", {"wazo_provd/__init__.py": "raise ImportError('No module named wazo_provd')\n"})
    return {"PYTHONPATH": str(tmp_path / "shadow"), "PATH": "/usr/bin:/bin"}


def pytest_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          capture_output=True, text=True, env=shadowed_provd(tmp_path), timeout=300)


def test_without_provd_its_tests_fail_saying_how_to_install_it(tmp_path):
    done = pytest_run(tmp_path, "-q", "tests/test_plugintests.py::test_shared_folders_and_version_folder_names")
    assert done.returncode == 1
    assert ("this test needs the real provd, which does not import here (ImportError: No module named wazo_provd): "
            f"install it with `{install_command()}`, or leave the provd tests out with -m 'not provd'") in done.stdout


def test_without_provd_the_suite_collects_and_not_provd_leaves_them_out(tmp_path):
    collected = pytest_run(tmp_path, "-q", "--collect-only", "-m", "not provd")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "tests/test_xivo_digium.py" not in collected.stdout and "deselected" in collected.stdout
    assert "tests/test_serve.py::test_served_http_metadata" in collected.stdout


def test_inv_validate_provd_without_provd_says_how_to_install_it(plugins_dir, tmp_path):
    valid_plugin(plugins_dir)
    done = run_inv("validate", "--provd", cwd=plugins_dir.parent, env=shadowed_provd(tmp_path))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("error: the real provd does not import here (ImportError: No module named wazo_provd): "
                           f"install it with `{install_command()}`\n")
