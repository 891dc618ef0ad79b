"""Every kind of target failure names the build file line of the failing call, in `inv build` and `inv validate`."""
from __future__ import annotations

import pytest

from tests.conftest import ENTRY_PY, plugin_info, run_inv, write_tree

BUILD_FILE = """\
    from subprocess import check_call, run


    @target('9.9', 'wazo-x-9.9')
    def build_9_9(path):
        check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
        check_call(['rsync', '-rlp', '--exclude', '.*', 'v9_9/', path])


    @target('1.0', 'wazo-x-1.0')
    def build_1_0(path):
        check_call(['rsync', '-rlp', 'common/', path])
        check_call(['sed', '-i', 's/old/new/', 'no-such-file.txt'])


    @target('2.0', 'wazo-x-2.0')
    def build_2_0(path):
        check_call(['rsync', '-rlp', 'common/', 'common/', path + '/no/such/folder/'])


    @target('3.0', 'wazo-x-3.0')
    def build_3_0(path):
        run(['no-such-program-xyz', path], check=True)
    """

# Expected (build file line, cause) per target.
FAILURES = {
    "9.9": (7, "rsync: source v9_9/ does not exist"),
    "1.0": (13, "command `sed -i s/old/new/ no-such-file.txt` exited with status 2"),
    "2.0": (18, "rsync: cannot create the destination {tree}/no/such/folder/: its parent folder does not exist"),
    "3.0": (23, "FileNotFoundError: [Errno 2] No such file or directory: 'no-such-program-xyz'"),
}


@pytest.fixture
def failing(tmp_path):
    write_tree(tmp_path / "plugins/wazo_x", {"build.py": BUILD_FILE, "common/plugin-info": plugin_info(),
                                             "common/entry.py": ENTRY_PY})
    return tmp_path


def test_inv_build_names_the_line_of_each_failing_call(failing):
    done = run_inv("build", "--jobs", "1", cwd=failing)
    assert done.returncode == 1
    errors = sorted(line for line in done.stderr.splitlines() if line.startswith("error:"))
    assert errors == sorted(
        f"error: wazo_x:{target} (wazo-x-{target}): plugins/wazo_x/build.py:{line}: "
        + cause.format(tree=failing / "_build/plugins" / f"wazo-x-{target}")
        for target, (line, cause) in FAILURES.items())


def test_inv_validate_names_the_line_of_each_failing_call(failing):
    done = run_inv("validate", cwd=failing)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    findings = [line for line in lines if line.startswith("plugins/") and ": error[" in line]
    assert len(findings) == len(FAILURES)
    for target, (line, cause) in FAILURES.items():
        prefix = f"plugins/wazo_x/build.py:{line}: error[target-failed]: target wazo_x:{target} (wazo-x-{target}) " \
                 "failed: "
        [finding] = [f for f in findings if f.startswith(prefix)]
        if target == "2.0":  # the destination is in the scratch folder, whose name varies
            assert finding.endswith("/wazo-x-2.0/no/such/folder/: its parent folder does not exist")
        else:
            assert finding == prefix + cause
    assert lines[-2:] == ["     4 errors   target-failed", "4 plugins checked: 4 errors, 0 warnings: FAILED"]


def test_rsync_failing_while_the_build_file_loads_names_its_line(tmp_path):
    write_tree(tmp_path / "plugins/wazo_y", {"build.py": """\
        from subprocess import check_call

        check_call(['rsync', '-r', 'generated/', 'out/'])
        """})
    done = run_inv("validate", cwd=tmp_path)
    assert done.stdout.splitlines()[0] == \
        "plugins/wazo_y/build.py:3: error[build-file]: rsync: source generated/ does not exist"
    built = run_inv("build", "wazo_y", cwd=tmp_path)
    assert "error: plugins/wazo_y/build.py:3: rsync: source generated/ does not exist" in built.stderr


@pytest.mark.parametrize("selector", ["wazo_broken", "wazo-broken", "wazo_broken:1.0"])
def test_a_syntax_error_is_reported_when_a_selector_names_its_plugin(tmp_path, selector):
    write_tree(tmp_path / "plugins/wazo_broken", {"build.py": "@target('1.0', 'wazo-broken-1.0')\ndef f(path)\n"})
    write_tree(tmp_path / "plugins/wazo_fine", {"build.py": "@target('1', 'fine-1')\ndef f(path):\n    pass\n"})
    built = run_inv("build", selector, cwd=tmp_path)
    assert built.returncode == 1
    assert [line for line in built.stderr.splitlines() if line.startswith("error:")] == [
        "error: plugins/wazo_broken/build.py:2: syntax error: expected ':'"]
    checked = run_inv("validate", selector, cwd=tmp_path)
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        "plugins/wazo_broken/build.py:2: error[build-file]: syntax error: expected ':'",
        "     1 error    build-file",
        "0 plugins checked: 1 error, 0 warnings: FAILED"]
