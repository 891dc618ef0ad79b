"""Rule codes: every rule has one, the README lists them all; grouping, silencing and the summary."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import build
from repo.errors import ToolchainError
from repo.validation.findings import ERROR, WARNING, Finding, ordered
from repo.validation.report import by_rule, summary
from repo.validation.rules import RULES, finding
from repo.validation.silencing import Silencing
from tests.conftest import ROOT, valid_plugin, write_tree

SOURCES = [ROOT / "build.py", *sorted((ROOT / "repo").rglob("*.py"))]
# How findings name their rule: finding("code", ...), self.report("code", ...), code="a" [if ... else "b"].
_CODE_USES = re.compile(r'(?:finding|report)\(\s*"([a-z0-9-]+)"|code="([a-z0-9-]+)"(?: if [^"]* else "([a-z0-9-]+)")?')


def codes_used() -> set[str]:
    used = set()
    for path in SOURCES:
        if path.name != "rules.py":
            used |= {code for groups in _CODE_USES.findall(path.read_text()) for code in groups if code}
    return used


def test_every_code_the_sources_use_is_a_rule_and_every_rule_is_used():
    assert codes_used() == set(RULES)


def test_codes_are_short_kebab_case_and_severities_are_error_or_warning():
    for rule in RULES.values():
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.code) and len(rule.code) <= 24, rule.code
        assert rule.severity in (ERROR, WARNING)
        assert finding(rule.code, "p", "m").severity == rule.severity


def test_the_readme_table_is_the_rules_table():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Validation\n"):readme.index("## Build plugins\n")]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning) \| (.+) \|$", section, re.MULTILINE)
    assert rows == [(r.code, r.severity, r.summary) for r in RULES.values()]


# --- grouping ----------------------------------------------------------------------------

def two_targets_sharing_common(plugins_dir: Path) -> Path:
    folder = valid_plugin(plugins_dir)
    build_file = folder / "build.py"
    second = build_file.read_text().split("@target")[1].replace("'1.0', 'xivo-acme-1.0'", "'1.1', 'xivo-acme-1.1'")
    build_file.write_text(build_file.read_text() + "\n\n@target" + second.replace("build_1_0", "build_1_1"))
    return folder


def test_a_warning_in_a_shared_file_is_one_line_for_all_targets(plugins_dir):
    folder = two_targets_sharing_common(plugins_dir)
    write_tree(folder, {"common/templates/old.tpl~": "backup\n", "common/.notes": "x\n"})
    result = build.check(plugins_dir, jobs=2)
    assert result.checked == 2
    assert [(Path(f.path).name, f.code) for f in result.findings] == [(".notes", "stray-file"),
                                                                      ("old.tpl~", "stray-file")]


def test_ordered_keeps_one_of_each_finding():
    a, b = finding("stray-file", "x", "m"), finding("file-size", "x", "n", 3)
    assert ordered([a, b, a, b, a]) == [a, b]


# --- silencing ---------------------------------------------------------------------------

def test_silencing_by_rule_by_plugin_glob_and_by_path_glob(tmp_path):
    silencing = Silencing.from_config({"validation": {
        "ignore": ["capability-legacy"],
        "per_plugin_ignores": {"xivo_*": ["dhcp-coverage"], "wazo_acme/v8_*/plugin-info": ["capability-key"]}}})
    plugins = tmp_path / "plugins"
    info = str(plugins / "wazo_acme/v8_1/plugin-info")
    findings = [finding("capability-legacy", info, "a"), finding("capability-key", info, "b"),
                finding("capability-key", plugins / "wazo_acme/v1_0/plugin-info", "c"),
                finding("dhcp-coverage", info, "d"), finding("dhcp-coverage", "xivo-x-1/plugin-info", "e"),
                finding("file-sha1sum", info, "f")]
    kept, silenced = silencing.split(findings, "wazo_acme", plugins)
    assert [f.message for f in kept] == ["c", "d", "e", "f"]
    assert [f.message for f in silenced] == ["a", "b"]
    # A generated file (no source in the plugins folder) is matched by its build plugin's name.
    kept, silenced = silencing.split(findings[3:5], "xivo_old", plugins)
    assert (kept, [f.message for f in silenced]) == ([], ["d", "e"])


def test_errors_are_never_silenced():
    with pytest.raises(ToolchainError, match="rule 'symlink-escape' is an error"):
        Silencing.from_config({"validation": {"per_plugin_ignores": {"*": ["symlink-escape"]}}})
    # Even a hand-made Silencing naming an error code leaves errors alone.
    silencing = Silencing(frozenset({"template-syntax"}))
    assert not silencing.silences(finding("template-syntax", "t.tpl", "m"), "p", "p/t.tpl")


def test_no_configuration_silences_nothing():
    assert Silencing.from_config(None) == Silencing.from_config({}) == Silencing.from_config({"validation": None})
    assert not Silencing().silences(finding("dhcp-coverage", "p", "m"), "p", None)


def test_check_counts_a_silenced_shared_finding_once(plugins_dir):
    folder = two_targets_sharing_common(plugins_dir)
    write_tree(folder, {"common/templates/old.tpl~": "backup\n"})
    silencing = Silencing.from_config({"validation": {"per_plugin_ignores": {"xivo_acme": ["stray-file"]}}})
    result = build.check(plugins_dir, jobs=2, silencing=silencing)
    assert result.findings == []
    assert [(Path(f.path).name, f.code) for f in result.silenced] == [("old.tpl~", "stray-file")]


# --- summary -----------------------------------------------------------------------------

def test_summary_counts_per_rule_errors_first_then_warnings_then_silenced():
    findings = [finding("file-size", "a", "x"), finding("dhcp-coverage", "a", "y"), finding("dhcp-coverage", "b", "y"),
                finding("capability-key", "a", "z"), Finding("c", None, WARNING, "uncoded")]
    silenced = [finding("dhcp-coverage", "c", "y")]
    assert by_rule(findings, silenced) == [
        "     1 error    file-size",
        "     2 warnings dhcp-coverage",
        "     1 warning  -",
        "     1 warning  capability-key",
        "     1 silenced dhcp-coverage"]
    lines, failed = summary(3, findings, silenced, strict=False)
    assert (lines[-1], failed) == ("3 plugins checked: 1 error, 4 warnings, 1 silenced: FAILED", True)


def test_summary_verdicts():
    warning_only = [finding("dhcp-coverage", "a", "y")]
    assert summary(1, [], [], strict=True) == (["1 plugin checked: 0 errors, 0 warnings: ok"], False)
    assert summary(1, warning_only, [], strict=False)[0][-1] == "1 plugin checked: 0 errors, 1 warning: ok"
    assert summary(1, warning_only, [], strict=True) == (
        ["     1 warning  dhcp-coverage", "1 plugin checked: 0 errors, 1 warning: FAILED (--strict: warnings fail too)"],
        True)
    assert summary(2, [], warning_only, strict=True) == (
        ["     1 silenced dhcp-coverage", "2 plugins checked: 0 errors, 0 warnings, 1 silenced: ok"], False)
