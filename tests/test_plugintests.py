"""`inv test`: the pytest tests inside build plugins, laid out as real trees lay them out, run with the real provd."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import build
from repo.validation import plugintests
from repo.validation.provdcompat import install_command
from tests.conftest import ROOT, run_inv, write_tree

pytestmark = pytest.mark.provd

BUILD_FILE = """\
    from subprocess import check_call

    NOT_PACKAGED = ['--exclude', 'tests', '--exclude', '__init__.py', '--exclude', '__pycache__']


    @target('1.0', '{name}-1.0')
    def build_1_0(path):
        check_call(['rsync', '-rlp', *NOT_PACKAGED, 'common/', 'v1_0/', path])


    @target('2.0', '{name}-2.0')
    def build_2_0(path):
        check_call(['rsync', '-rlp', *NOT_PACKAGED, 'common/', 'v2_0/', path])
    """
COMMON = """\
    from wazo_provd.devices.pgasso import BasePgAssociator, DeviceSupport


    class Associator(BasePgAssociator):
        def _do_associate(self, vendor, model, version):
            return DeviceSupport.EXACT if model == 'P1' else DeviceSupport.PROBABLE
    """
COMMON_TEST = """\
    from wazo_provd.devices.pgasso import DeviceSupport

    from ..common import Associator


    def test_p1_is_exact():
        assert Associator().associate({{'vendor': 'Acme', 'model': 'P1'}}) == DeviceSupport.EXACT


    def test_p2_is_{p2}():
        assert Associator().associate({{'vendor': 'Acme', 'model': 'P2'}}) == DeviceSupport.{P2}
    """
VERSION_TEST = """\
    from ...common.common import Associator


    def test_{version}_sees_the_shared_code():
        assert Associator is not None
    """


def real_layout_plugin(plugins_dir: Path, name: str, p2: str) -> None:
    """A build plugin as real trees have them: packages, tests in common/ and in each version folder."""
    write_tree(plugins_dir / name, {
        "build.py": BUILD_FILE.format(name=name.replace("_", "-")),
        "__init__.py": "",
        "common/__init__.py": "",
        "common/common.py": COMMON,
        "common/tests/__init__.py": "",
        "common/tests/test_common.py": COMMON_TEST.format(p2=p2.lower(), P2=p2),
        **{f"v{v}_0/{rel}": text for v in (1, 2) for rel, text in {
            "__init__.py": "", "tests/__init__.py": "", f"tests/test_v{v}.py": VERSION_TEST.format(version=f"v{v}"),
            "plugin-info": '{"version": "0.1", "description": "d", "capabilities": {}}',
            "entry.py": "execfile_('common.py', globals())\n"}.items()},
    })


@pytest.fixture
def tree(tmp_path) -> Path:
    """wazo_good passes, wazo_bad has a failing test (same test file names as wazo_good), wazo_none has no test."""
    plugins = tmp_path / "elsewhere/plugins"
    real_layout_plugin(plugins, "wazo_good", "PROBABLE")
    real_layout_plugin(plugins, "wazo_bad", "EXACT")
    write_tree(plugins, {"wazo_none/build.py": "@target('1.0', 'wazo-none-1.0')\ndef build_1_0(path):\n    pass\n"})
    return plugins


PASSED = r"passed(, \d+ warnings?)? in [\d.]+s"  # provd's own DeprecationWarnings may be counted


def test_runs_every_plugin_and_names_the_failing_one(tree, tmp_path):
    done = run_inv("test", "--plugins-dir", str(tree), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(rf"wazo_bad: FAILED: 1 failed, 3 {PASSED}", lines[0]), lines[0]
    assert "  E       AssertionError: assert <DeviceSupport.PROBABLE: 300> == <DeviceSupport.EXACT: 600>" in lines
    plugin_lines = [line for line in lines if line.startswith("wazo_")]
    assert [line.split(":")[0] for line in plugin_lines] == ["wazo_bad", "wazo_good", "wazo_none"]
    assert re.fullmatch(rf"wazo_good: 4 {PASSED}", plugin_lines[1]) and plugin_lines[2] == "wazo_none: no tests"
    assert lines[-2] == "3 plugins tested: 1 failed (wazo_bad)"
    assert lines[-1].startswith("FAILED wazo_bad/common/tests/test_common.py::test_p2_is_exact - ")
    assert sorted(p.name for p in tree.iterdir()) == ["wazo_bad", "wazo_good", "wazo_none"]
    assert [p for p in tree.rglob("*") if p.name.startswith((".", "__pycache__")) or p.suffix == ".pyc"] == []


def test_plugins_folder_from_the_configuration_and_a_selector(tree, tmp_path):
    (tmp_path / "project.yaml").write_text(f"provd:\n  plugins_dir: {tree}\n")
    done = run_inv("-f", str(tmp_path / "project.yaml"), "test", "wazo-good", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.fullmatch(rf"wazo_good: 4 {PASSED}\n1 plugin tested: ok\n", done.stdout), done.stdout


def test_one_target_runs_the_shared_tests_and_its_own(tree, tmp_path):
    done = run_inv("test", "--plugins-dir", str(tree), "--verbose", "wazo_good:2.0", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.match(rf"wazo_good: 3 {PASSED}", done.stdout)
    ran = sorted(re.findall(r"^  (\S+::\S+) PASSED", done.stdout, re.MULTILINE))
    assert ran == ["wazo_good/common/tests/test_common.py::test_p1_is_exact",
                   "wazo_good/common/tests/test_common.py::test_p2_is_probable",
                   "wazo_good/v2_0/tests/test_v2.py::test_v2_sees_the_shared_code"]

    unknown = run_inv("test", "--plugins-dir", str(tree), "wazo_good:3.0", cwd=tmp_path)
    assert (unknown.returncode, unknown.stderr) == (
        1, "error: build plugin 'wazo_good' has no target '3.0' (known: 1.0, 2.0)\n")


def test_a_build_file_that_does_not_load_fails_the_run(tmp_path):
    plugins = tmp_path / "plugins"
    write_tree(plugins, {"wazo_broken/build.py": "@target('1.0', 'wazo-broken-1.0')\ndef build(path)\n",
                         "wazo_none/build.py": "@target('1.0', 'wazo-none-1.0')\ndef build(path):\n    pass\n"})
    done = run_inv("test", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == "wazo_none: no tests\n1 plugin tested: ok\n"
    assert done.stderr.startswith(f"error: {plugins}/wazo_broken/build.py:2: syntax error")


def test_without_provd_the_task_says_how_to_install_it(tree, tmp_path):
    write_tree(tmp_path / "shadow", {"wazo_provd/__init__.py": "raise ImportError('no provd in this environment')\n"})
    done = run_inv("test", "--plugins-dir", str(tree), cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "shadow")})
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("error: the real provd does not import here (ImportError: no provd in this environment): "
                           f"install it with `{install_command()}`\n")


def test_no_build_plugins_nothing_to_test(tmp_path):
    (tmp_path / "plugins").mkdir()
    done = run_inv("test", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "no build plugins in plugins/ (a build plugin is a folder with a "
                                                 "build.py): nothing to test\n")


@pytest.mark.parametrize("selectors, expected", [
    (None, {"wazo_good": ["common/tests", "v1_0/tests", "v2_0/tests"], "wazo_bad": ["common/tests", "v1_0/tests",
                                                                                      "v2_0/tests"], "wazo_none": []}),
    (["wazo_good:1.0"], {"wazo_good": ["common/tests", "v1_0/tests"]}),
    (["wazo_good:1.0", "wazo_good:2.0"], {"wazo_good": ["common/tests", "v1_0/tests", "v2_0/tests"]}),
])
def test_test_folders_of_a_selection(tree, selectors, expected):
    plugins, errors = build.load_tree(tree)
    assert errors == []
    chosen = build.select_targets(plugins, selectors) if selectors else None
    selection = plugintests.select(plugins, chosen)
    assert {s.plugin: [f.relative_to(tree / s.plugin).as_posix() for f in s.folders] for s in selection} == expected


def test_shared_folders_and_version_folder_names(tmp_path):
    plugins = tmp_path / "plugins"
    write_tree(plugins / "wazo_yealink", {
        "build.py": "".join(f"@target({t!r}, 'wazo-yealink-{t}')\ndef build_{i}(path):\n    pass\n\n"
                            for i, t in enumerate(("8.9.3.80", "v86", "70"))),
        **{f"{folder}/tests/test_x.py": "" for folder in ("common", "common_dect", "v8_9_3_80", "v86", "70", "tests")},
        ".hidden/tests/test_x.py": "",
    })
    plugins_list, _ = build.load_tree(plugins)
    [selection] = plugintests.select(plugins_list, build.select_targets(plugins_list, ["wazo_yealink:v86"]))
    assert [f.relative_to(plugins / "wazo_yealink").as_posix() for f in selection.folders] == [
        "common/tests", "common_dect/tests", "tests", "v86/tests"]


def test_the_checkout_plugins_pass_their_own_tests():
    """The README's test command covers the plugins of this checkout too, through `inv test`."""
    done = run_inv("test", cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.match(r"xivo_digium: \d+ passed", done.stdout), done.stdout
