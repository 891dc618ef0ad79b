"""A symlink loop in a built tree: validate and build say the same thing, an error naming the link."""
from __future__ import annotations

import pytest

from tests.conftest import ENTRY_PY, plugin_info, run_inv, write_tree

BUILD_FILE = """\
import os
import shutil


@target('1', 'acme')
def build_it(path):
    shutil.copy('plugin-info', path)
    shutil.copy('entry.py', path)
    os.makedirs(os.path.join(path, 'templates'))
    os.symlink({target!r}, os.path.join(path, {link!r}))
"""


@pytest.mark.parametrize("link, target", [("self", "self"), ("templates/a", "../templates/a/x"),
                                          ("loop", "templates/../loop")])
def test_validate_and_build_report_a_symlink_loop_alike(tmp_path, link, target):
    write_tree(tmp_path / "plugins/acme", {"build.py": BUILD_FILE.format(target=target, link=link),
                                           "plugin-info": plugin_info("1.0"), "entry.py": ENTRY_PY})
    message = f"error[symlink-loop]: symlink to {target!r} is a loop: it never reaches a file"
    validated = run_inv("validate", cwd=tmp_path)
    assert validated.returncode == 1 and f"acme/{link}: {message}\n" in validated.stdout, validated.stdout
    built = run_inv("build", cwd=tmp_path)
    assert built.returncode == 1 and f"_build/plugins/acme/{link}: {message}" in built.stderr, built.stderr
    assert not list((tmp_path / "_build/dev").glob("*.tar.bz2"))
