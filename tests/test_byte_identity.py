"""Packages are the same bytes as the toolchain made before its speed work (commit 4998e3c).

The tree below uses what changes package bytes: copies with excludes, templates made
by sed, executable bits, symlinks, empty standard folders, a long member name, a
non-ASCII name, a file spanning several bzip2 blocks, ``std_dirs=False``. The SHA-1s
were computed by the engine of 4998e3c on this tree (and are what any later engine
must still produce: provd servers and mirrors compare packages by SHA-1).
"""
from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pytest

import build
from repo.errors import ToolchainError
from repo.package.checks import inspect_package
from tests.conftest import ENTRY_PY, plugin_info, write_tree

BUILD_FILE = """\
    import os
    from subprocess import check_call


    def generate(path):
        for model in ('P1', 'P2'):
            with open(os.path.join(path, 'templates', model + '.tpl'), 'w') as f:
                check_call(['sed', 's/#MODEL#/' + model + '/', 'common/model.btpl'], stdout=f)


    @target('1.0', 'acme-1.0')
    def build_1_0(path):
        check_call(['rsync', '-rlp', '--exclude', '.*', '--exclude', '*.btpl', 'common/', path])
        check_call(['rsync', '-rlp', 'v1_0/', path])
        generate(path)


    @target('2.0', 'acme-2.0', std_dirs=False)
    def build_2_0(path):
        check_call(['rsync', '-rlp', '--exclude', '.*', '--exclude', '*.btpl', 'common/', path])
        check_call(['rsync', '-rlp', 'v2_0/', path])
        generate(path)
    """

EXPECTED_SHA1 = {
    "acme-1.0-0.1.tar.bz2": "9219ba4a98bb254cda60c4761a61f13024378e69",
    "acme-2.0-0.2.tar.bz2": "c16388e5abd9a83286886e717c005d26f7a07a7b",
}


def reference_tree(plugins_dir: Path) -> None:
    rng = random.Random(13)
    folder = plugins_dir / "acme"
    long_folder = "/".join(["a-rather-long-folder-name-for-a-tar-header"] * 3)
    write_tree(folder, {
        "build.py": BUILD_FILE,
        "common/templates/base.tpl": "<config>{% block body %}{% endblock %}</config>\n",
        "common/model.btpl": '{% extends "base.tpl" %}{% block body %}<model>#MODEL#</model>{% endblock %}\n',
        "common/common.py": "COMMON = True\n",
        "common/.hidden": "never packaged\n",
        f"common/{long_folder}/firmware-list.txt": "long member names need GNU headers\n",
        "common/var/tftpboot/Acme/téléphone.cfg": "non-ASCII name\n",
        "common/var/tftpboot/Acme/boot.rom": rng.randbytes(600_000) + bytes(1_500_000),  # > 900 kB: several blocks
        "v1_0/plugin-info": plugin_info("0.1"),
        "v1_0/entry.py": "execfile_('common.py', globals())\n\n" + ENTRY_PY,
        "v2_0/plugin-info": plugin_info("0.2"),
        "v2_0/entry.py": ENTRY_PY,
    })
    (folder / "common/tool.sh").write_text("#!/bin/sh\necho tool\n")
    (folder / "common/tool.sh").chmod(0o755)
    (folder / "common/templates/default.tpl").symlink_to("base.tpl")


@pytest.mark.parametrize("jobs", [1, 2])
def test_packages_are_byte_identical_to_before(plugins_dir, tmp_path, jobs):
    reference_tree(plugins_dir)
    out = tmp_path / "out"
    result = build.build(plugins_dir, out, jobs=jobs, stream=io.StringIO())
    assert result.ok, result.failures
    made = {name: hashlib.sha1((out / "dev" / name).read_bytes()).hexdigest() for name in EXPECTED_SHA1}
    assert made == EXPECTED_SHA1


def test_what_packing_says_of_a_package_is_what_reading_it_back_says(plugins_dir, tmp_path):
    """Size, SHA-1, id and plugin-info are taken while writing; reading the file back agrees."""
    reference_tree(plugins_dir)
    result = build.build(plugins_dir, tmp_path / "out", jobs=1, stream=io.StringIO())
    assert result.ok, result.failures
    for tree in sorted((tmp_path / "out/plugins").iterdir()):
        described = build.package_tree(tree, tree.name, tmp_path / "again", 0)
        assert described == inspect_package(tmp_path / "again" / described.filename)


@pytest.mark.parametrize("hostile, limit", [
    ({"var/escape": "../../../etc/passwd"}, {}),  # a symlink leaving the plugin
    ({}, {"PROVD_MAX_MEMBERS": "3"}),
    ({}, {"PROVD_MAX_PACKAGE_SIZE": "100"}),
], ids=["symlink out", "members", "package size"])
def test_a_package_the_archive_rules_refuse_is_refused_as_it_is_written(tmp_path, monkeypatch, hostile, limit):
    tree = tmp_path / "acme-1.0"
    write_tree(tree, {"plugin-info": plugin_info("0.1"), "entry.py": ENTRY_PY, "var/tftpboot/a.cfg": "x" * 5000})
    for name, target in hostile.items():
        (tree / name).symlink_to(target)
    for variable, value in limit.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(ToolchainError) as refused:
        build.package_tree(tree, "acme-1.0", tmp_path / "dev", 0)
    assert str(refused.value).startswith((f"{tree}:", f"{tmp_path / 'dev' / 'acme-1.0-0.1.tar.bz2'}:"))
    assert list((tmp_path / "dev").iterdir()) == []  # nothing half-written
