"""The toolchain's own rules against the real provd's verdict (repo.validation.provdcompat).

For pkgs.db the two must agree both ways, on every text the validation tests check:
the mutations of tests/test_validation_rules.py, the texts of
tests/test_validation_pkgsdb.py (read by running its tests with check_pkgs_db
recorded, so that they stay the shared list) and texts made by its generator.
For whole plugins, whatever provd cannot load must be an error for the toolchain.
"""
from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import build
from repo.errors import ToolchainError
from repo.validation.pkgsdb import check_pkgs_db
from repo.validation.provdcompat import load_problem, pkgs_db_problem
from tests import test_validation_pkgsdb as pkgsdb_tests
from tests.conftest import LOADABLE_ENTRY_PY, run_inv, valid_plugin, write_tree
from tests.test_validation_rules import DB, MUTATIONS

pytestmark = pytest.mark.provd

PKGS_DB_MUTATIONS = [m for m in MUTATIONS if DB in m.edits]


def toolchain_problem(data: bytes) -> str | None:
    _, findings = check_pkgs_db(data, "pkgs.db")
    return next((str(f) for f in findings if f.is_error), None)


def assert_same_verdict(data: bytes) -> None:
    ours, provds = toolchain_problem(data), pkgs_db_problem(data)
    assert (ours is None) == (provds is None), f"toolchain: {ours or 'fine'}\nprovd: {provds or 'fine'}\n---\n" \
                                               f"{data.decode('utf-8', 'replace')}"


def mutated_pkgs_db(plugins_dir: Path, mutation) -> bytes:
    folder = valid_plugin(plugins_dir)
    mutation.apply(folder)
    return (folder / DB).read_bytes()


def test_the_valid_plugin_pkgs_db_is_fine_for_both(plugins_dir):
    data = (valid_plugin(plugins_dir) / DB).read_bytes()
    assert toolchain_problem(data) is None and pkgs_db_problem(data) is None


def test_the_comparison_covers_the_mutations_of_the_rules_tests():
    assert len(PKGS_DB_MUTATIONS) >= 30  # read from tests/test_validation_rules.py, not copied


@pytest.mark.parametrize("mutation", PKGS_DB_MUTATIONS, ids=[m.id for m in PKGS_DB_MUTATIONS])
def test_same_verdict_on_each_pkgs_db_mutation(plugins_dir, mutation):
    assert_same_verdict(mutated_pkgs_db(plugins_dir, mutation))


def texts_checked_by_the_pkgsdb_tests(monkeypatch, tmp_path) -> list[bytes]:
    """Every text tests/test_validation_pkgsdb.py hands to check_pkgs_db (its generated ones aside)."""
    texts: list[bytes] = []

    def recording(data, path, *args, **kwargs):
        texts.append(data if isinstance(data, bytes) else data.encode("utf-8"))
        return check_pkgs_db(data, path, *args, **kwargs)

    monkeypatch.setattr(pkgsdb_tests, "check_pkgs_db", recording)
    for name, test in inspect.getmembers(pkgsdb_tests, inspect.isfunction):
        if name.startswith("test_") and not hasattr(test, "hypothesis"):
            parameters = inspect.signature(test).parameters
            test(**({"tmp_path": tmp_path / name} if "tmp_path" in parameters else {}))
    return texts


def test_same_verdict_on_the_texts_of_the_pkgsdb_tests(monkeypatch, tmp_path):
    texts = texts_checked_by_the_pkgsdb_tests(monkeypatch, tmp_path)
    assert len(texts) >= 4
    for data in texts:
        assert_same_verdict(data)


@settings(max_examples=150, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pkgsdb_tests.LINES)
def test_same_verdict_on_generated_texts(lines):
    assert_same_verdict("\n".join(lines).encode("utf-8"))


# --- whole plugins: loaded by provd's PluginManager ---------------------------------------------

def built_tree(plugins_dir: Path, tmp_path: Path) -> Path | None:
    """The valid plugin's target run into a tree (no validation); None if the target itself fails."""
    plugins, errors = build.load_tree(plugins_dir)
    if errors:
        return None
    [target] = build.select_targets(plugins, [])
    tree = tmp_path / "built" / target.pg_id
    try:
        build.run_target(target, tree)
    except ToolchainError:
        return None
    return tree


def test_provd_loads_the_valid_plugin(plugins_dir, tmp_path):
    valid_plugin(plugins_dir)
    assert load_problem(built_tree(plugins_dir, tmp_path)) is None


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_what_provd_cannot_load_is_an_error(plugins_dir, tmp_path, mutation):
    mutation.apply(valid_plugin(plugins_dir))
    tree = built_tree(plugins_dir, tmp_path)
    problem = tree and load_problem(tree)
    if problem:
        findings = build.check(plugins_dir, jobs=1).findings
        assert any(f.is_error for f in findings), f"provd: {problem}\ntoolchain: no error in {findings}"


@pytest.mark.parametrize("files, problem", [
    ({"plugin-info": '{"version": "1", "capabilities": {}}'}, "missing description key"),
    ({"plugin-info": "{"}, "JSONDecodeError"),
    ({"entry.py": "class Plugin:\n    IS_PLUGIN = True\n"}, "has no plugin class"),
    ({"entry.py": "execfile_('nowhere.py')\n"}, "FileNotFoundError"),
    ({"plugin-info": '{"version": "1", "description": "d", "capabilities": {}, "plugin_iface_version_min": 1.0}'},
     "plugin min compat not satisfied"),
])
def test_provd_load_problems_are_reported(tmp_path, files, problem):
    tree = tmp_path / "acme-1.0"
    write_tree(tree, {"plugin-info": '{"version": "1", "description": "d", "capabilities": {}}',
                      "entry.py": LOADABLE_ENTRY_PY, **files})
    assert problem in load_problem(tree)


# --- inv validate --provd ------------------------------------------------------------------------

def test_inv_validate_provd_loads_each_plugin_in_provd(plugins_dir):
    """What only executing the plugin shows: an import of a name today's provd no longer has."""
    folder = valid_plugin(plugins_dir)
    valid = run_inv("validate", "--provd", cwd=plugins_dir.parent)
    assert (valid.returncode, valid.stdout) == (0, "1 plugin checked: 0 errors, 0 warnings: ok\n")
    common = folder / "common/common.py"
    common.write_text("from wazo_provd.devices.pgasso import COMPLETE_SUPPORT\n" + common.read_text())
    assert run_inv("validate", cwd=plugins_dir.parent).returncode == 0  # the toolchain's rules alone do not see it
    done = run_inv("validate", "--provd", cwd=plugins_dir.parent)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "plugins/xivo_acme/1.0/entry.py: error[provd]: provd cannot load the plugin: ImportError: cannot import name "
        "'COMPLETE_SUPPORT' from 'wazo_provd.devices.pgasso' "
        f"({importlib.util.find_spec('wazo_provd.devices.pgasso').origin})",
        "     1 error    provd",
        "1 plugin checked: 1 error, 0 warnings: FAILED"]
