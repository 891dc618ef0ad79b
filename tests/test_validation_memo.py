"""Parses are remembered by file content, but what depends on the tree is still checked in each tree."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

import build
from repo.validation import python, templates
from repo.validation.memo import by_content
from tests.conftest import ENTRY_PY, plugin_info, write_tree

BUILD_FILE = """\
    from subprocess import check_call


    @target('1.0', 'acme-1.0')
    def build_1_0(path):
        check_call(['rsync', '-rlp', 'common/', path])
        check_call(['rsync', '-rlp', 'v1_0/', path])


    @target('2.0', 'acme-2.0')
    def build_2_0(path):
        check_call(['rsync', '-rlp', 'common/', path])
        check_call(['rsync', '-rlp', 'v2_0/', path])
    """


def two_targets(plugins_dir: Path, unique: str, **only_in_1_0: str) -> None:
    """Targets 1.0 and 2.0 share common/ (same bytes in both trees); some files only 1.0 has."""
    write_tree(plugins_dir / "acme", {
        "build.py": BUILD_FILE,
        "common/templates/base.tpl": f'{{# {unique} #}}<config>{{% include "footer.tpl" %}}</config>\n',
        "common/entry.py": f"# {unique}\nexecfile_('extra.py', globals())\n\n{ENTRY_PY}",
        "v1_0/plugin-info": plugin_info("0.1"),
        "v2_0/plugin-info": plugin_info("0.2"),
        **{f"v1_0/{name}": content for name, content in only_in_1_0.items()},
    })


class CountingParses:
    """Counts the Jinja2 parses done in this process."""

    def __init__(self, monkeypatch):
        self.count = 0
        original = templates._parse

        def parse(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)
        monkeypatch.setattr(templates, "_parse", parse)


@pytest.mark.parametrize("jobs", [1, 2])
def test_shared_template_fails_only_in_the_tree_that_lacks_what_it_includes(plugins_dir, tmp_path, monkeypatch, jobs):
    two_targets(plugins_dir, f"{tmp_path} {jobs}", **{"templates/footer.tpl": "<!-- footer -->\n", "extra.py": ""})
    parses = CountingParses(monkeypatch)
    result = build.build(plugins_dir, tmp_path / "out", jobs=jobs, stream=io.StringIO())
    assert [t.pg_id for t in result.built] == ["acme-1.0"]
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert failure.startswith("acme:2.0 (acme-2.0): ")
    assert "error[execfile]: execfile_('extra.py'): no such file in the built plugin (+1 more)" in failure
    if jobs == 1:  # in this process: base.tpl parsed once for both trees (and footer.tpl once)
        assert parses.count == 2


def test_a_template_with_a_syntax_error_is_reported_in_every_tree_it_is_in(plugins_dir, tmp_path):
    write_tree(plugins_dir / "acme", {
        "build.py": BUILD_FILE,
        "common/templates/base.tpl": f"{{# {tmp_path} #}}{{% if %}}\n",
        "common/entry.py": ENTRY_PY,
        "v1_0/plugin-info": plugin_info("0.1"),
        "v2_0/plugin-info": plugin_info("0.2"),
    })
    result = build.build(plugins_dir, tmp_path / "out", jobs=1, stream=io.StringIO())
    assert sorted(f.partition(": ")[0] for f in result.failures) == ["acme:1.0 (acme-1.0)", "acme:2.0 (acme-2.0)"]
    assert all("error[template-syntax]: Jinja2 syntax error" in f for f in result.failures)


def test_remembered_by_content_not_by_name():
    calls = []

    @by_content
    def analyse(data: bytes) -> int:
        calls.append(data)
        return len(data)

    assert [analyse(b"a"), analyse(b"bb"), analyse(b"a"), analyse(b"bb")] == [1, 2, 1, 2]
    assert calls == [b"a", b"bb"]


def test_python_findings_keep_the_file_they_are_in():
    """The analysis is shared between files of the same bytes; each finding names its own file."""
    source = b"x = '\\d'\nreturn 1\n"
    assert [(f.path, f.line, f.code) for f in python.check_python_file("a.py", source, lambda rel: True)] == \
        [("a.py", 2, "python-syntax")]
    assert [(f.path, f.line, f.code) for f in python.check_python_file("b.py", source, lambda rel: True)] == \
        [("b.py", 2, "python-syntax")]
    warned = b"x = '\\d'\n"
    assert [(f.path, f.code) for f in python.check_python_file("c.py", warned, lambda rel: True)] == \
        [("c.py", "python-warning")]
    assert [(f.path, f.code) for f in python.check_python_file("d.py", warned, lambda rel: True)] == \
        [("d.py", "python-warning")]
