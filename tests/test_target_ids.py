"""Build files name the folders targets are built into: a plugin id must never lead outside the build area."""
from __future__ import annotations

import io

import pytest

import build
from repo.build import buildfolder
from repo.errors import ToolchainError
from tests.conftest import run_inv, write_tree

HOSTILE_IDS = ["../victim", "", "/ABSOLUTE", ".", "..", "a/../../victim", "-rf", ".hidden", "with space",
               "esc\x1b[31m", "tab\tid", "x" * 300]


def build_file(pg_id: str) -> str:
    return (f"import os\n\n\n@target('1.0', {pg_id!r})\n"
            "def build_it(path):\n"
            "    open(os.path.join(path, 'plugin-info'), 'w').write('{}')\n")


def precious(root) -> object:
    victim = root / "victim"
    write_tree(victim, {"precious": "do not delete\n"})
    return victim / "precious"


@pytest.mark.parametrize("pg_id", HOSTILE_IDS)
def test_a_hostile_plugin_id_is_refused_when_the_build_file_loads(plugins_dir, pg_id):
    write_tree(plugins_dir, {"evil/build.py": build_file(pg_id)})
    with pytest.raises(ToolchainError) as caught:
        build.load_build_plugin(plugins_dir / "evil")
    assert caught.value.path == str(plugins_dir / "evil/build.py") and caught.value.line == 4
    assert "plugin id" in caught.value.message and "\n" not in str(caught.value)


@pytest.mark.parametrize("task", ["validate", "build"])
@pytest.mark.parametrize("pg_id", ["../victim", "../../victim", ""])
def test_validate_and_build_touch_nothing_outside_their_area(tmp_path, task, pg_id):
    scratch_root = tmp_path / "tmp"  # TMPDIR: validate's scratch folder is made in here
    scratch_root.mkdir()
    buildfolder.claim(tmp_path / "_build", tmp_path / "plugins")  # a build folder of this tree (else refused first)
    kept = [precious(scratch_root), precious(tmp_path / "_build"), precious(tmp_path)]
    write_tree(tmp_path / "plugins", {"evil/build.py": build_file(pg_id)})
    absolute = tmp_path / "absolute-victim"
    write_tree(tmp_path / "plugins", {"evil2/build.py": build_file(str(absolute))})
    kept.append(precious(absolute.parent / "absolute-victim-parent"))
    write_tree(absolute, {"precious": "do not delete\n"})
    kept.append(absolute / "precious")
    result = run_inv(task, cwd=tmp_path, env={"TMPDIR": str(scratch_root)})
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "plugins/evil/build.py:4: " in output and "plugins/evil2/build.py:4: " in output, output
    assert all(path.read_text() == "do not delete\n" for path in kept)


def test_the_classic_command_refuses_them_too(tmp_path):
    victim = precious(tmp_path)
    write_tree(tmp_path / "plugins", {"evil/build.py": build_file("../victim")})
    assert build.main(["-B", "--source", str(tmp_path / "plugins"),
                       "--destination", str(tmp_path / "trees")]) == 1
    assert victim.read_text() == "do not delete\n"


@pytest.mark.parametrize("pg_id", ["xivo-digium-2.8.1", "wazo_yealink-v86", "A1", "x+y.z_0-9"])
def test_plain_ids_load(plugins_dir, pg_id):
    write_tree(plugins_dir, {"good/build.py": build_file(pg_id)})
    assert build.load_build_plugin(plugins_dir / "good").targets["1.0"].pg_id == pg_id


def test_the_build_file_line_is_where_the_target_is_declared(plugins_dir):
    write_tree(plugins_dir, {"evil/build.py": "X = 1\n\n" + build_file("../v")})
    result = build.build(plugins_dir, plugins_dir.parent / "_build", stream=io.StringIO())
    assert [f.split(": ", 1)[0] for f in result.failures] == [f"{plugins_dir}/evil/build.py:6"]
