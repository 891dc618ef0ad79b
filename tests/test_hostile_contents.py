"""Files of a package not built here that make Python's or Jinja's parsers give up: a finding, never a traceback.

Parsers recurse: a few hundred kilobytes of ``a.b.b.b...`` in entry.py, ``-(-(-...`` or a
template of nested blocks end in RecursionError or MemoryError, an integer of 5000 digits
in plugin-info in ValueError. provd could not load such a plugin either, so the package
is refused, in one line naming the file.
"""
from __future__ import annotations

import subprocess
import sys
import tarfile

import pytest

from repo.errors import ToolchainError
from repo.package.checks import inspect_package_bytes
from tests.conftest import ENTRY_PY, ROOT, run_inv, valid_plugin
from tests.tarballs import FILENAME, PLUGIN_ID, member, plugin_members, tarball

P = PLUGIN_ID
DEEP = 100_000
INFO_START = b'{"version": "0.3", "description": "d", "capabilities": {}, "extra": '


def template(body: bytes) -> list:
    return [member(f"{P}/templates", tarfile.DIRTYPE, mode=0o755), member(f"{P}/templates/base.tpl", data=body)]


def entry(tail: bytes) -> bytes:
    return ENTRY_PY.encode() + b"\nx = " + tail + b"\n"


CASES = {
    "attribute chain": ({"entry": entry(b"a" + b".b" * DEEP)}, [], f"{P}/entry.py", "too deeply nested"),
    "call chain": ({"entry": entry(b"a" + b"()" * DEEP)}, [], f"{P}/entry.py", "too deeply nested"),
    "unary minus": ({"entry": entry(b"-" * DEEP + b"1")}, [], f"{P}/entry.py", "too deeply nested"),
    "elif chain": ({"entry": ENTRY_PY.encode() + b"\nif a: pass\n" + b"elif a: pass\n" * DEEP}, [],
                   f"{P}/entry.py", "too deeply nested"),
    "nested template blocks": ({}, template(b"{% if a %}" * 20_000 + b"{% endif %}" * 20_000),
                               f"{P}/templates/base.tpl", "too deeply nested"),
    "nested template parentheses": ({}, template(b"{{ " + b"(" * DEEP + b"1" + b")" * DEEP + b" }}"),
                                    f"{P}/templates/base.tpl", "too deeply nested"),
    "plugin-info integer of 5000 digits": ({"info": INFO_START + b"9" * 5000 + b"}"}, [], f"{P}/plugin-info",
                                           "more digits than"),
    "template integer of 5000 digits": ({}, template(b"<a>\n{{ x + " + b"9" * 5000 + b" }}\n"),
                                        f"{P}/templates/base.tpl:2", "more digits than"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_contents_parsers_give_up_on_are_refused_in_one_line(case):
    files, extra, path, message = CASES[case]
    data = tarball(plugin_members(**files) + extra)
    with pytest.raises(ToolchainError) as caught:
        inspect_package_bytes(data, FILENAME)
    text = str(caught.value)
    assert text.startswith(f"{FILENAME}:{path}") and message in text and "\n" not in text, text
    assert sys.getrecursionlimit() == 1000  # nothing raised it on the way


def test_build_d_refuses_such_a_package_without_a_traceback(tmp_path):
    (tmp_path / FILENAME).write_bytes(tarball(plugin_members(entry=entry(b"a" + b".b" * DEEP))))
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "-D", "--source", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{P}/entry.py" in result.stderr and "too deeply nested" in result.stderr
    assert not (tmp_path / "plugins.db").exists()


def test_a_build_plugin_whose_plugin_info_nests_thousands_deep_is_one_finding(plugins_dir):
    """Every reader of a plugin-info, not only its own check, must survive it (the DHCP rules read it too)."""
    plugin = valid_plugin(plugins_dir)
    (plugin / "1.0/plugin-info").write_bytes(INFO_START + b"[" * DEEP + b"]" * DEEP + b"}")
    result = run_inv("validate", "--plugins-dir", str(plugins_dir), cwd=plugins_dir.parent)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "plugin-info" in result.stdout + result.stderr and "nested too deeply" in result.stdout + result.stderr


def test_build_folder_records_nested_thousands_deep_are_one_line_or_a_rebuild(tmp_path):
    from repo.build import buildcache, buildfolder

    nested = b"[" * DEEP + b"]" * DEEP
    (tmp_path / buildfolder.MARKER).write_bytes(nested)
    (tmp_path / buildcache.CACHE_FILE).parent.mkdir()
    (tmp_path / buildcache.CACHE_FILE).write_bytes(nested)
    with pytest.raises(ToolchainError, match="unreadable build folder record"):
        buildfolder.built_from(tmp_path)
    assert buildcache.BuildCache(tmp_path).lookup("acme", "key") is None  # a damaged cache costs a rebuild
