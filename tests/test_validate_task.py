"""``inv validate`` and ``inv build`` as a maintainer runs them: output lines, summary, exit codes."""
from __future__ import annotations

import json
import os

import build
from tests.conftest import ROOT, acme_plugin, run_inv, valid_plugin, write_tree

BROKEN_TEMPLATE = "<config>\n{% if x %}\n</config>\n"


def test_a_valid_tree_passes_and_nothing_is_written(plugins_dir, tmp_path):
    valid_plugin(plugins_dir)
    before = sorted(os.listdir(tmp_path))
    done = run_inv("validate", "--strict", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "1 plugin checked: 0 errors, 0 warnings: ok\n"
    assert sorted(os.listdir(tmp_path)) == before  # no _build, no leftovers


def test_errors_and_warnings_are_all_listed_then_summed_up(plugins_dir, tmp_path):
    folder = valid_plugin(plugins_dir)
    acme_plugin(plugins_dir)  # legacy capability keys: one warning per plugin-info
    write_tree(folder, {"common/templates/base.tpl": BROKEN_TEMPLATE})
    db = folder / "1.0/pkgs/pkgs.db"
    db.write_text(db.read_text().replace("size: 11", "size: eleven"))
    done = run_inv("validate", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "plugins/acme/1.0/plugin-info:6: warning[capability-legacy]: legacy capability key 'sip.lines' in "
        "'Acme, P1, 1.0' (documented: 'lines'; provd ignores it)",
        "plugins/acme/2.0/plugin-info:6: warning[capability-legacy]: legacy capability key 'sip.lines' in "
        "'Acme, P1, 1.0' (documented: 'lines'; provd ignores it)",
        "plugins/xivo_acme/1.0/pkgs/pkgs.db:17: error[file-size]: size 'eleven' is not a whole number of bytes",
        "plugins/xivo_acme/common/templates/base.tpl:2: error[template-syntax]: Jinja2 syntax error: Unexpected end "
        "of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block "
        "that needs to be closed is 'if'.",
        "     1 error    file-size",
        "     1 error    template-syntax",
        "     2 warnings capability-legacy",
        "3 plugins checked: 2 errors, 2 warnings: FAILED",
    ]


def test_warnings_fail_only_with_strict(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    done = run_inv("validate", "acme:1.0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "1 plugin checked: 0 errors, 1 warning: ok"
    strict = run_inv("validate", "--strict", "acme:1.0", cwd=tmp_path)
    assert strict.returncode == 1
    assert strict.stdout.splitlines()[-1] == \
        "1 plugin checked: 0 errors, 1 warning: FAILED (--strict: warnings fail too)"


def test_selectors_and_options(plugins_dir, tmp_path):
    valid_plugin(plugins_dir)
    acme_plugin(plugins_dir)
    done = run_inv("validate", "--plugins-dir", str(plugins_dir), "--jobs", "1", "xivo-acme", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "1 plugin checked: 0 errors, 0 warnings: ok\n"
    unknown = run_inv("validate", "nope", cwd=tmp_path)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: no build plugin or plugin id matches 'nope' (build plugins: acme, xivo_acme)"
    firmware = tmp_path / "fw"
    write_tree(firmware, {"p1-1.0.zip": "tampered"})
    done = run_inv("validate", "--firmware-dir", str(firmware), "xivo_acme", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith(f"plugins/xivo_acme/1.0/pkgs/pkgs.db:15: error[firmware-mismatch]: [file_p1-fw] "
                                  f"says size 11 but "
                                  f"{firmware}/p1-1.0.zip has 8 bytes\n")


def test_no_build_plugins(plugins_dir, tmp_path):
    done = run_inv("validate", cwd=tmp_path)
    assert done.returncode == 0 and "nothing to check" in done.stdout


def test_build_refuses_to_package_an_invalid_plugin_and_builds_the_others(plugins_dir, tmp_path):
    valid_plugin(plugins_dir)
    broken = valid_plugin(plugins_dir, "xivo_broken", "xivo-broken-1.0")
    acme_plugin(plugins_dir)
    done = run_inv("build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "_build/dev/xivo-broken-1.0-0.3.tar.bz2").exists()

    write_tree(broken, {"common/templates/base.tpl": BROKEN_TEMPLATE})
    (broken / "1.0/entry.py").write_text("IS_PLUGIN = True\n")
    done = run_inv("build", cwd=tmp_path)
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [
        "error: xivo_broken:1.0 (xivo-broken-1.0): plugins/xivo_broken/1.0/entry.py:1: error[entry-point]: no class "
        "with IS_PLUGIN = True: provd finds no plugin to load (+1 more)"]
    assert done.stdout.startswith("0 built, 3 up to date, 1 failed")
    dev = tmp_path / "_build/dev"
    assert sorted(os.listdir(dev)) == ["acme-1.0-0.3.tar.bz2", "acme-2.0-1.2.tar.bz2", "plugins.db",
                                       "xivo-acme-1.0-0.3.tar.bz2"]
    assert sorted(json.loads((dev / "plugins.db").read_bytes())) == ["acme-1.0", "acme-2.0", "xivo-acme-1.0"]

    verbose = run_inv("build", "--verbose", "xivo_broken", cwd=tmp_path)
    assert "plugins/xivo_broken/common/templates/base.tpl:2: error[template-syntax]: Jinja2 syntax error" \
        in verbose.stderr


def test_build_prints_warnings_without_failing(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    done = run_inv("build", "acme:1.0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "plugins/acme/1.0/plugin-info:6: warning[capability-legacy]: legacy capability key 'sip.lines'" \
        in done.stderr
    assert (tmp_path / "_build/dev/acme-1.0-0.3.tar.bz2").exists()


def test_classic_package_command_validates_trees_too(plugins_dir, tmp_path, capsys):
    valid_plugin(plugins_dir)
    trees, dev = tmp_path / "trees", tmp_path / "dev"
    assert build.main(["-B", "--source", str(plugins_dir), "--destination", str(trees)]) == 0
    (trees / "xivo-acme-1.0/templates/P1.tpl").write_text("{% extends 'gone.tpl' %}\n")
    assert build.main(["-P", "--source", str(trees), "--destination", str(dev)]) == 1
    assert capsys.readouterr().err == (f"error: xivo-acme-1.0: {trees}/xivo-acme-1.0/templates/P1.tpl:1: "
                                       "error[template-missing]: extends 'gone.tpl': no such template in "
                                       "var/templates/ or templates/\n")
    assert not dev.exists() or os.listdir(dev) == []


def test_a_target_failing_on_an_unsupported_rsync_option_is_a_finding(plugins_dir, tmp_path, monkeypatch):
    write_tree(plugins_dir, {"odd/build.py": """\
        from subprocess import check_call
        @target('1', 'odd-1')
        def f(path):
            check_call(['rsync', '-rlp', '--no-such-option', 'src/', path])
        """, "odd/src/plugin-info": "{}"})
    monkeypatch.setenv("PATH", str(tmp_path))  # no rsync to fall back to
    [finding] = build.check(plugins_dir, jobs=1).findings
    assert finding.path == str(plugins_dir / "odd/build.py") and finding.is_error
    assert finding.message.startswith("target odd:1 (odd-1) failed: ") and "rsync" in finding.message


def test_the_project_plugins_validate_strictly(tmp_path):
    """What `inv validate --strict` says of the project's own plugins: no error, no warning."""
    done = run_inv("validate", "--strict", "--plugins-dir", str(ROOT / "plugins"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "2 plugins checked: 0 errors, 0 warnings: ok"
