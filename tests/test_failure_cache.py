"""A target that failed is not run again until its inputs change; it is still reported, the same way."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import build
from tests.conftest import ENTRY_PY, plugin_info, run_inv, write_tree

# Each run of the target appends a line to RUNS (a file outside the plugins folder).
BUILD_FILE = """\
    from subprocess import check_call

    RUNS = {runs!r}


    @target('1.0', 'acme-1.0')
    def build_1_0(path):
        with open(RUNS, 'a') as runs:
            runs.write('ran\\n')
        check_call(['rsync', '-rlp', 'v1_0/', path])
    """


def failing_plugin(plugins_dir: Path, runs: Path) -> Path:
    """A build plugin whose only target fails: its version folder is missing."""
    folder = plugins_dir / "acme"
    write_tree(folder, {"build.py": BUILD_FILE.format(runs=str(runs)), "common/README": "shared\n"})
    return folder


def add_version_folder(folder: Path, **files: str) -> None:
    write_tree(folder, {"v1_0/plugin-info": plugin_info("0.1"), "v1_0/entry.py": ENTRY_PY,
                        **{f"v1_0/{name}": content for name, content in files.items()}})


def runs_of(runs: Path) -> int:
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def build_quietly(plugins_dir: Path, out: Path, verbose: bool = False) -> tuple[build.BuildResult, str]:
    shown = io.StringIO()
    return build.build(plugins_dir, out, jobs=2, verbose=verbose, stream=shown), shown.getvalue()


def test_failed_target_is_reported_again_without_running_with_the_same_line_and_exit_status(plugins_dir, tmp_path):
    runs = tmp_path / "runs"
    failing_plugin(plugins_dir, runs)
    arguments = ("build", "--plugins-dir", str(plugins_dir), "--build-dir", str(tmp_path / "out"))
    first = run_inv(*arguments, cwd=tmp_path)
    second = run_inv(*arguments, cwd=tmp_path)
    expected = ["error: acme:1.0 (acme-1.0): plugins/acme/build.py:10: rsync: source v1_0/ does not exist"]
    for done in (first, second):
        assert done.returncode == 1
        assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == expected
    assert "0 built, 0 up to date, 1 failed" in second.stdout
    assert "unchanged since it failed, not run again: acme-1.0 (acme:1.0)" in second.stderr
    assert runs_of(runs) == 1


def test_failed_target_runs_again_once_its_build_plugin_changes(plugins_dir, tmp_path):
    runs = tmp_path / "runs"
    folder = failing_plugin(plugins_dir, runs)
    out = tmp_path / "out"
    assert build_quietly(plugins_dir, out)[0].failures
    assert build_quietly(plugins_dir, out)[0].failures
    assert runs_of(runs) == 1
    (folder / "common/README").write_text("shared, edited\n")  # any file of the folder is an input
    assert build_quietly(plugins_dir, out)[0].failures
    assert runs_of(runs) == 2
    add_version_folder(folder)
    result, _ = build_quietly(plugins_dir, out)
    assert result.ok and [t.pg_id for t in result.built] == ["acme-1.0"]
    assert runs_of(runs) == 3
    assert (out / "dev/acme-1.0-0.1.tar.bz2").is_file()


def test_validation_failure_is_cached_with_its_message_and_detail(plugins_dir, tmp_path):
    runs = tmp_path / "runs"
    folder = failing_plugin(plugins_dir, runs)
    add_version_folder(folder, **{"templates/a.tpl": "{% if %}\n", "templates/b.tpl": "{% for %}\n"})
    out = tmp_path / "out"
    first, _ = build_quietly(plugins_dir, out, verbose=True)
    again, shown = build_quietly(plugins_dir, out, verbose=True)
    assert runs_of(runs) == 1
    assert again.failures == first.failures
    assert "error[template-syntax]" in first.failures[0] and "(+1 more)" in first.failures[0]
    assert "v1_0/templates/a.tpl:1" in shown and "v1_0/templates/b.tpl:1" in shown  # --verbose: every error
    assert not (out / "dev/acme-1.0-0.1.tar.bz2").exists()


def test_failure_from_a_firmware_file_is_checked_again_once_the_firmware_folder_changes(plugins_dir, tmp_path):
    runs = tmp_path / "runs"
    folder = failing_plugin(plugins_dir, runs)
    firmware = b"firmware image"
    add_version_folder(folder, **{"pkgs/pkgs.db": (
        "[pkg_fw]\ndescription = fw\nversion = 1\nfiles = fw\ninstall = fw\n\n"
        f"[file_fw]\nurl = https://example.test/fw.bin\nsize = {len(firmware)}\n"
        f"sha1sum = {hashlib.sha1(firmware).hexdigest()}\n\n"
        "[install_fw]\na-b = cp $FILE1 firmware/\n")})
    mirror = plugins_dir / "_firmwares/acme/fw.bin"
    mirror.parent.mkdir(parents=True)
    mirror.write_bytes(b"firmware imagE")  # same size, other bytes
    out = tmp_path / "out"
    result, _ = build_quietly(plugins_dir, out)
    assert "error[firmware-mismatch]" in result.failures[0]
    assert build_quietly(plugins_dir, out)[0].failures == result.failures
    assert runs_of(runs) == 1
    mirror.write_bytes(firmware)
    result, _ = build_quietly(plugins_dir, out)
    assert result.ok, result.failures
    assert runs_of(runs) == 2


def test_failure_from_the_machine_is_not_cached(plugins_dir, tmp_path):
    """A program that is not installed: once it is, the same sources build."""
    runs = tmp_path / "runs"
    folder = failing_plugin(plugins_dir, runs)
    add_version_folder(folder)
    build_file = folder / "build.py"
    build_file.write_text(build_file.read_text() + "    check_call(['no-such-program-xyz'])\n")
    out = tmp_path / "out"
    for attempt in (1, 2):
        result, _ = build_quietly(plugins_dir, out)
        assert "FileNotFoundError" in result.failures[0]
        assert runs_of(runs) == attempt


def test_cached_failure_is_run_again_from_another_folder(plugins_dir, tmp_path, monkeypatch):
    """Its message names files relative to where the build ran: from elsewhere it would read wrong."""
    runs = tmp_path / "runs"
    failing_plugin(plugins_dir, runs)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    assert build_quietly(plugins_dir, out)[0].failures[0].startswith("acme:1.0 (acme-1.0): plugins/acme/build.py:10")
    monkeypatch.chdir(plugins_dir)
    assert build_quietly(plugins_dir, out)[0].failures[0].startswith("acme:1.0 (acme-1.0): acme/build.py:10")
    assert runs_of(runs) == 2


def test_targets_that_end_their_worker_process_fail_alone_and_are_not_cached(plugins_dir, tmp_path):
    runs = tmp_path / "runs"
    folder = failing_plugin(plugins_dir, runs)
    add_version_folder(folder)
    write_tree(plugins_dir / "other", {"build.py": "import os\n\n\n@target('1.0', 'other-1.0')\ndef build_1(path):\n"
                                                   "    os._exit(7)\n\n\n@target('2.0', 'other-2.0')\n"
                                                   "def build_2(path):\n    os._exit(7)\n"})
    out = tmp_path / "out"
    for attempt in (1, 2):  # the second time, both run again (in worker processes: they end the process)
        result, _ = build_quietly(plugins_dir, out)
        assert sorted(result.failures) == [
            f"other:{n}.0 (other-{n}.0): {plugins_dir}/other/build.py: the worker process running it died "
            "(exit status 7)" for n in (1, 2)]
        assert [t.pg_id for t in result.built] == (["acme-1.0"] if attempt == 1 else [])
    assert runs_of(runs) == 1


def test_sys_exit_in_a_build_file_is_a_failure_of_its_target(plugins_dir, tmp_path):
    write_tree(plugins_dir / "other", {"build.py": "import sys\n@target('1.0', 'other-1.0')\ndef build(path):\n"
                                                   "    sys.exit(3)\n"})
    for jobs in (1, 2):
        result = build.build(plugins_dir, tmp_path / f"out{jobs}", jobs=jobs, stream=io.StringIO())
        assert result.failures == [f"other:1.0 (other-1.0): {plugins_dir}/other/build.py:4: SystemExit: 3"]


def test_a_target_refused_by_a_package_bound_is_tried_again_once_the_bound_is_raised(plugins_dir, tmp_path,
                                                                                     monkeypatch):
    runs = tmp_path / "runs"
    folder = failing_plugin(plugins_dir, runs)
    add_version_folder(folder, **{"a.cfg": "a\n", "b.cfg": "b\n"})
    monkeypatch.setenv("PROVD_MAX_MEMBERS", "3")
    for _ in range(2):
        result = build.build(plugins_dir, tmp_path / "out", stream=io.StringIO())
        assert not result.ok and "more than 3 members (PROVD_MAX_MEMBERS)" in result.failures[0]
    assert runs_of(runs) == 1  # the second build remembered the refusal
    monkeypatch.setenv("PROVD_MAX_MEMBERS", "100")
    assert build.build(plugins_dir, tmp_path / "out", stream=io.StringIO()).ok
    assert runs_of(runs) == 2
