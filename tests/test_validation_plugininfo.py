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
