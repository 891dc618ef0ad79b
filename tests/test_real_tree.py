"""A tree written like real ones (tests/realtree.py) goes through `inv build` and `inv validate` as it is.

Its only findings are the ``dhcp-coverage`` warnings, one per build plugin (real trees have no
dhcp.toml) and, in
the copy with upstream's known defects, exactly those defects, with their codes; the
maintainer silences what they chose and ``--strict`` passes.
"""
from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path

import pytest

from tests.conftest import run_inv
from tests.realtree import write_real_tree

DHCP = "warning[dhcp-coverage]"


def finding_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("plugins/")]


def write_config(root: Path, validation: dict) -> Path:
    config = root / "provd-config.json"  # Invoke reads YAML, JSON or Python config files given with -f
    config.write_text(json.dumps({"provd": {"validation": validation}}))
    return config


def test_the_real_style_tree_builds_with_zero_errors(tmp_path):
    tree = write_real_tree(tmp_path)
    done = run_inv("build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{len(tree.targets)} built, 0 up to date, 0 failed")
    index = json.loads((tmp_path / "_build/dev/plugins.db").read_bytes())
    assert sorted(index) == sorted(tree.targets)
    assert index["wazo-globex-2.0.1"]["vendor.official"] == 0  # passed through as written
    assert sorted(index["wazo-globex-2.0.1"]["capabilities"]) == ["Globex, IP/DM PRO, 2.0.1",
                                                                  "Globex, N720 DM PRO, 2.0.1"]
    with tarfile.open(tmp_path / "_build/dev" / index["wazo-acmefone-8.9.3.80"]["filename"]) as package:
        names = package.getnames()
    assert "wazo-acmefone-8.9.3.80/templates/V2 & Pro.tpl" in names
    assert "wazo-acmefone-8.9.3.80/__init__.py" in names
    assert not [name for name in names if "/tests" in name]  # `rsync --exclude tests` left them out
    assert all(line.split(": ", 1)[1].startswith(DHCP) for line in done.stderr.splitlines()
               if line.startswith("plugins/"))


def test_the_real_style_tree_validates_with_zero_errors_and_strict_once_dhcp_is_silenced(tmp_path):
    tree = write_real_tree(tmp_path)
    done = run_inv("validate", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    findings = finding_lines(done.stdout)
    assert findings and all(f.split(": ", 1)[1].startswith(DHCP) for f in findings)
    with_models = {plugin for pg_id, plugin in tree.targets.items() if tree.models[pg_id]}
    assert len(findings) == len(with_models)  # one per build plugin, not per model and target
    assert done.stdout.splitlines()[-2:] == [f"{len(findings):>6} warnings dhcp-coverage",
                                             f"{len(tree.targets)} plugins checked: 0 errors, "
                                             f"{len(findings)} warnings: ok"]
    assert run_inv("validate", "--strict", cwd=tmp_path).returncode == 1

    config = write_config(tmp_path, {"per_plugin_ignores": {"wazo_*": ["dhcp-coverage"], "xivo_*": ["dhcp-coverage"]}})
    strict = run_inv("-f", str(config), "validate", "--strict", cwd=tmp_path)
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert strict.stdout.splitlines() == [f"{len(findings):>6} silenced dhcp-coverage",
                                          f"{len(tree.targets)} plugins checked: 0 errors, 0 warnings, "
                                          f"{len(findings)} silenced: ok"]


@pytest.fixture
def defective(tmp_path):
    return write_real_tree(tmp_path, defects=True)


def test_the_known_real_defects_give_exactly_these_findings(tmp_path, defective):
    done = run_inv("validate", cwd=tmp_path)
    assert done.returncode == 0  # all warnings: provd copes with each
    findings = [f for f in finding_lines(done.stdout) if DHCP not in f]
    expected = sorted(defective.defects, key=lambda d: (d.path, d.line))
    assert [f.split(": ")[0:2] for f in findings] == [[f"plugins/{d.path}:{d.line}", f"warning[{d.code}]"]
                                                      for d in expected]
    assert findings[:4] == [
        "plugins/wazo_acmefone/v8_9_3_80/plugin-info:10: warning[capability-legacy]: legacy capability key "
        "'sip.lines' in 3 capabilities (documented: 'lines'; provd ignores it)",
        "plugins/wazo_acmefone/v8_9_3_80/plugin-info:11: warning[capability-key]: unknown capability key 'proto' in "
        "3 capabilities (did you mean 'protocol'? provd ignores it; documented keys: lines, high_availability, "
        "function_keys, expansion_modules, switchboard, multicell, protocol, type)",
        "plugins/wazo_acmefone/v8_9_3_80/plugin-info:12: warning[capability-key]: unknown capability key 'ha' in 3 "
        "capabilities (did you mean 'high_availability'? provd ignores it; documented keys: lines, "
        "high_availability, function_keys, expansion_modules, switchboard, multicell, protocol, type)",
        "plugins/wazo_acmefone/v8_9_3_80/plugin-info:13: warning[capability-key]: unknown capability key "
        "'expansions' in 3 capabilities (did you mean 'expansion_modules'? provd ignores it; documented keys: lines, "
        "high_availability, function_keys, expansion_modules, switchboard, multicell, protocol, type)"]
    # The pkgs.db shared by both wazo_initech targets: one line, not one per target.
    assert len([f for f in findings if "wazo_initech/common/pkgs/pkgs.db" in f]) == 1
    dhcp = len(finding_lines(done.stdout)) - len(findings)
    assert done.stdout.splitlines()[-6:] == [
        f"{dhcp:>6} warnings dhcp-coverage",
        "     3 warnings capability-key",
        "     1 warning  capability-legacy",
        "     1 warning  supplied-file-sha1sum",
        "     1 warning  unused-section",
        f"{len(defective.targets)} plugins checked: 0 errors, {dhcp + 6} warnings: ok"]


def test_silencing_the_defects_a_maintainer_accepts(tmp_path, defective):
    config = write_config(tmp_path, {
        "ignore": ["capability-legacy", "dhcp-coverage"],
        "per_plugin_ignores": {"wazo_acmefone/v8_*/plugin-info": ["capability-key"],
                               "wazo_init*": ["unused-section"]},
    })
    done = run_inv("-f", str(config), "validate", "--strict", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    [left] = [d for d in defective.defects if d.code == "supplied-file-sha1sum"]
    assert finding_lines(done.stdout) == [lines[0]]
    assert lines[0].startswith(f"plugins/{left.path}:{left.line}: warning[supplied-file-sha1sum]: ")
    dhcp = int(next(line for line in lines if line.endswith("silenced dhcp-coverage")).split()[0])
    assert lines[1:] == [
        "     1 warning  supplied-file-sha1sum",
        f"{dhcp:>6} silenced dhcp-coverage",
        "     3 silenced capability-key",
        "     1 silenced capability-legacy",
        "     1 silenced unused-section",
        f"{len(defective.targets)} plugins checked: 0 errors, 1 warning, {dhcp + 5} silenced: FAILED "
        "(--strict: warnings fail too)"]

    # The maintainer fixes the last one; --strict passes.
    db = tmp_path / "plugins/wazo_globex/v2_0_1/pkgs/pkgs.db"
    db.write_text(db.read_text().replace("5d41402abc4b2a76b9719d911017c592", "a" * 40))
    fixed = run_inv("-f", str(config), "validate", "--strict", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout
    assert fixed.stdout.splitlines()[-1] == \
        f"{len(defective.targets)} plugins checked: 0 errors, 0 warnings, {dhcp + 5} silenced: ok"


def test_inv_build_prints_each_warning_once_and_none_silenced(tmp_path, defective):
    config = write_config(tmp_path, {"ignore": ["dhcp-coverage", "capability-key"]})
    done = run_inv("-f", str(config), "build", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warnings = sorted(line.split(": ")[1] for line in done.stderr.splitlines() if line.startswith("plugins/"))
    assert warnings == ["warning[capability-legacy]", "warning[supplied-file-sha1sum]", "warning[unused-section]"]


@pytest.mark.parametrize("validation, message", [
    ({"ignore": ["file-sha1sum"]},
     "provd.validation.ignore: rule 'file-sha1sum' is an error (provd fails on it): it cannot be silenced"),
    ({"per_plugin_ignores": {"wazo_*": ["dhcp-clas"]}},
     "provd.validation.per_plugin_ignores['wazo_*']: unknown rule 'dhcp-clas' (the README lists the codes)"),
    ({"ignore": "dhcp-coverage"}, "provd.validation.ignore must be a list of rule codes, e.g. [capability-legacy]"),
    ({"silence": ["dhcp-coverage"]}, "provd.validation: unknown setting 'silence' (known: ignore, per_plugin_ignores)"),
])
def test_a_bad_silencing_setting_is_one_line_and_exit_1(tmp_path, validation, message):
    write_real_tree(tmp_path)
    config = write_config(tmp_path, validation)
    for task in ("validate", "build"):
        done = run_inv("-f", str(config), task, cwd=tmp_path)
        assert (done.returncode, done.stderr.strip()) == (1, f"error: {message}")
    assert not os.path.exists(tmp_path / "_build")
