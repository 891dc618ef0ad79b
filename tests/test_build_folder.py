"""The tree is the truth: removed plugins leave the build folder; the build folder is claimed, checked, cleaned."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

import build
from repo.build import buildfolder
from repo.errors import ToolchainError
from tests.conftest import run_inv
from tests.repo_fixtures import dev_build


def indexed(build_dir: Path) -> list[str]:
    return sorted(json.loads((build_dir / "dev/plugins.db").read_bytes()))


def packages(build_dir: Path) -> list[str]:
    return sorted(p.name for p in (build_dir / "dev").glob("*.tar.bz2"))


def build_all(root: Path, *selectors: str) -> build.BuildResult:
    result = build.build(root / "plugins", root / "_build", selectors, jobs=1, stream=io.StringIO())
    assert result.ok, result.failures
    return result


# --- removal from the sources ------------------------------------------------------------------

def test_a_plugin_removed_from_the_sources_leaves_index_packages_and_trees_on_the_next_full_build(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3", "beta": "1.0", "gamma": "2.0"})
    assert indexed(build_dir) == ["acme", "beta", "gamma"]
    shutil.rmtree(tmp_path / "plugins/beta")
    result = build_all(tmp_path)
    assert [t.pg_id for t in result.cached] == ["acme", "gamma"]  # the others are not rebuilt for it
    assert indexed(build_dir) == ["acme", "gamma"]
    assert packages(build_dir) == ["acme-0.3.tar.bz2", "gamma-2.0.tar.bz2"]
    assert sorted(p.name for p in (build_dir / "plugins").iterdir()) == ["acme", "gamma"]
    cache = json.loads((build_dir / ".cache/build.json").read_bytes())
    assert sorted(cache["targets"]) == ["acme", "gamma"]


def test_a_selective_build_leaves_the_other_plugins_alone(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3", "beta": "1.0", "gamma": "2.0"})
    shutil.rmtree(tmp_path / "plugins/beta")
    build_all(tmp_path, "acme")
    assert indexed(build_dir) == ["acme", "beta", "gamma"]
    assert (build_dir / "dev/beta-1.0.tar.bz2").is_file() and (build_dir / "plugins/beta").is_dir()
    done = run_inv("build", cwd=tmp_path)  # then everything: the tree wins
    assert done.returncode == 0, done.stderr
    assert indexed(build_dir) == ["acme", "gamma"]


def test_a_plugin_whose_build_file_breaks_loses_its_package_like_any_failed_target(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3", "beta": "1.0"})
    (tmp_path / "plugins/beta/build.py").write_text("def broken(:\n")
    result = build.build(tmp_path / "plugins", build_dir, jobs=1, stream=io.StringIO())
    assert not result.ok and "beta/build.py:1: syntax error" in result.failures[0]
    assert indexed(build_dir) == ["acme"] and packages(build_dir) == ["acme-0.3.tar.bz2"]


# --- claiming a build folder -------------------------------------------------------------------

def test_a_build_records_its_plugins_folder_and_refuses_to_mix_in_another(tmp_path):
    build_dir = dev_build(tmp_path / "one", {"acme": "0.3"})
    assert buildfolder.built_from(build_dir) == (tmp_path / "one/plugins").resolve()
    other = dev_build(tmp_path / "two", {"beta": "1.0"}).parent / "plugins"
    with pytest.raises(ToolchainError) as caught:
        build.build(other, build_dir, jobs=1, stream=io.StringIO())
    assert str(caught.value) == (f"{build_dir}: built from {tmp_path}/one/plugins, not from {other}: choose another "
                                 "--build-dir, or run `inv clean` on it first")
    assert indexed(build_dir) == ["acme"]


@pytest.mark.parametrize("strangers", [["notes.txt"], ["src", ".git", "README"]])
def test_a_folder_holding_other_things_is_never_made_a_build_folder(tmp_path, strangers):
    dev_build(tmp_path, {"acme": "0.3"})
    target = tmp_path / "mine"
    target.mkdir()
    for name in strangers:
        (target / name).write_text("mine\n")
    done = run_inv("build", "--build-dir", str(target), cwd=tmp_path)
    assert done.returncode == 1
    first = sorted(strangers)[0]
    more = f" and {len(strangers) - 1} more" if len(strangers) > 1 else ""
    assert done.stderr == (f"error: {target}: not a build folder: it holds {first!r}{more}, which the toolchain "
                           f"does not make, and no {buildfolder.MARKER}; choose a new or empty folder\n")
    assert sorted(p.name for p in target.iterdir()) == sorted(strangers)


def test_a_build_folder_made_before_markers_is_adopted(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3"})
    (build_dir / buildfolder.MARKER).unlink()
    (build_dir / "dhcpd.tar.bz2").write_bytes(b"bundle")
    build_all(tmp_path)
    assert buildfolder.built_from(build_dir) == (tmp_path / "plugins").resolve()


def test_upload_refuses_a_build_folder_that_does_not_say_where_it_comes_from(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3"})
    (build_dir / buildfolder.MARKER).unlink()
    done = run_inv("upload", "--repo", str(tmp_path / "repo"), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (f"error: _build: does not record which plugins folder it was built from (no "
                           f"{buildfolder.MARKER} from `inv build`): run `inv build --build-dir _build` first\n")
    assert not (tmp_path / "repo").exists()


def test_upload_of_a_missing_build_folder_builds_the_configured_plugins_and_says_so(tmp_path):
    dev_build(tmp_path / "maintainer", {"acme": "0.3"})
    repository = tmp_path / "maintainer"
    (repository / "invoke.yaml").write_text("provd:\n  plugins_dir: plugins\n  repo: www\n")
    done = run_inv("-f", str(repository / "invoke.yaml"), "upload", "--build-dir", "_buidl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"no _buidl/dev/plugins.db yet: building {repository}/plugins/ into _buidl/ "
                                  "first\n")
    assert indexed(tmp_path / "_buidl") == ["acme"]
    assert sorted(json.loads((repository / "www/dev/plugins.db").read_bytes())) == ["acme"]


# --- inv clean ---------------------------------------------------------------------------------

def test_clean_deletes_the_build_folder(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3"})
    done = run_inv("clean", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "deleted _build/\n")
    assert not build_dir.exists() and (tmp_path / "plugins/acme").is_dir()
    again = run_inv("clean", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "nothing to clean: no _build/\n")


@pytest.mark.parametrize("where", [".", "/", "plugins", "elsewhere"])
def test_clean_refuses_what_is_not_a_build_folder(tmp_path, where):
    dev_build(tmp_path, {"acme": "0.3"})
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/keep.txt").write_text("keep\n")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    done = run_inv("clean", "--build-dir", where, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (f"error: {where}: not a build folder (no {buildfolder.MARKER}, which `inv build` "
                           "writes): not deleted\n")
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_clean_refuses_a_marked_folder_that_holds_the_current_folder_or_the_plugins(tmp_path):
    dev_build(tmp_path, {"acme": "0.3"})
    work = tmp_path / "work"
    work.mkdir()
    done = run_inv("build", "--build-dir", ".", "--plugins-dir", str(tmp_path / "plugins"), cwd=work)
    assert done.returncode == 0, done.stderr  # an empty folder may become a build folder ...
    (work / "project").mkdir()  # ... and later hold the maintainer's work
    done = run_inv("clean", "--build-dir", ".", cwd=work)
    assert (done.returncode, done.stderr) == (1, f"error: .: holds {work}: not deleted\n")
    inner = work / "project/plugins"
    inner.mkdir()
    (tmp_path / "invoke.yaml").write_text(f"provd:\n  plugins_dir: {inner}\n")
    done = run_inv("-f", "invoke.yaml", "clean", "--build-dir", str(work), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, f"error: {work}: holds {inner}: not deleted\n")
    assert (work / "dev/plugins.db").is_file()


def test_clean_does_not_follow_a_symlink(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3"})
    (tmp_path / "link").symlink_to(build_dir)
    done = run_inv("clean", "--build-dir", "link", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "error: link: not a build folder (not a plain folder): "
                                                 "not deleted\n")
    assert build_dir.is_dir()
