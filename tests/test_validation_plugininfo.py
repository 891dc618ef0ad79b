"""plugin-info checks on arbitrary JSON: findings only, and lines that exist."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from repo.validation.jsonlines import KeyLines
from repo.validation.plugininfo import check_plugin_info

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(["version", "description", "capabilities", "description_fr", "vendor.official",
                        "plugin_iface_version_max", "Acme, P1, 1.0", "*, *, *", "lines", "type", "multicell",
                        "protocol", "sip.lines"])
INFO_LIKE = st.recursive(JSON, lambda children: st.dictionaries(KEYS, children, max_size=6), max_leaves=30)


@settings(max_examples=150, deadline=None)
@given(INFO_LIKE, st.sampled_from([None, 0, 2, "\t"]))
def test_any_json_gives_findings_with_real_lines(value, indent):
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    info, findings = check_plugin_info(text, "plugin-info")
    assert (info is None) == (not isinstance(value, dict))
    assert all(f.line is None or 1 <= f.line <= text.count("\n") + 1 for f in findings)


def test_key_lines_follow_nesting_and_keep_the_last_repeat():
    text = '{\n "a": {"b": 1,\n  "c": [ {"b": 2} ]},\n "b": 3,\n "a\\"q": 0,\n "b": 4\n}'
    lines = KeyLines(text)
    assert lines.line("a", "b") == 2
    assert lines.line("a", "c", 0, "b") == 3
    assert lines.line("b") == 6
    assert lines.line('a"q') == 5
    assert lines.line("a", "missing") == 2  # the deepest key that exists
    assert lines.line("nowhere") is None


def test_what_real_trees_write_is_no_finding():
    """vendor.official as 0/1 and model names with spaces and punctuation: provd passes them through."""
    for official in (0, 1, True):
        info = {"version": "1.2.3", "description": "d", "vendor": "Acme", "vendor.official": official,
                "capabilities": {f"Acme, {model}, 1.0": {"lines": 1}
                                 for model in ("IP station", "N720 DM PRO", "V2 & Pro", "IP/DM PRO")}}
        assert check_plugin_info(json.dumps(info), "plugin-info")[1] == []


def test_capability_typos_and_the_legacy_key_are_each_reported_once():
    models = {f"Acme, M{n}, 1": {"sip.lines": 2, "proto": "sip", "ha": True, "expansions": 1} for n in range(5)}
    text = json.dumps({"version": "1", "description": "d", "capabilities": models}, indent=4)
    findings = check_plugin_info(text, "plugin-info")[1]
    assert [(f.code, f.severity, f.line) for f in findings] == [
        ("capability-legacy", "warning", 6), ("capability-key", "warning", 7), ("capability-key", "warning", 8),
        ("capability-key", "warning", 9)]
    assert [f.message.split(" (")[0] for f in findings] == [
        "legacy capability key 'sip.lines' in 5 capabilities", "unknown capability key 'proto' in 5 capabilities",
        "unknown capability key 'ha' in 5 capabilities", "unknown capability key 'expansions' in 5 capabilities"]
    assert ["did you mean 'protocol'?" in findings[1].message, "did you mean 'high_availability'?" in
            findings[2].message, "did you mean 'expansion_modules'?" in findings[3].message] == [True] * 3
