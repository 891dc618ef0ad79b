"""The build engine: loading build files, selecting, running targets, packaging, the dev index."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import build
from repo.errors import ToolchainError
from tests.conftest import ENTRY_PY, ROOT, acme_plugin, plugin_info, run_inv, write_tree


def build_quietly(plugins_dir: Path, build_dir: Path, *selectors: str, jobs: int = 2) -> build.BuildResult:
    return build.build(plugins_dir, build_dir, selectors, jobs=jobs, stream=io.StringIO())


def members(package: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(package, "r:bz2") as tar:
        return {m.name: m for m in tar.getmembers()}


# --- loading -----------------------------------------------------------------------------

def test_upstream_style_build_file_loads_with_its_type_checking_stub(plugins_dir):
    acme_plugin(plugins_dir)
    plugin = build.load_build_plugin(plugins_dir / "acme")
    assert sorted(plugin.targets) == ["1.0", "2.0"]
    assert plugin.targets["1.0"].pg_id == "acme-1.0"
    assert plugin.targets["1.0"].std_dirs is True


def test_syntax_error_names_file_and_line(plugins_dir):
    write_tree(plugins_dir, {"broken/build.py": "@target('1', 'x')\ndef f(path)\n    pass\n"})
    with pytest.raises(ToolchainError) as caught:
        build.load_build_plugin(plugins_dir / "broken")
    assert caught.value.path == str(plugins_dir / "broken" / "build.py")
    assert caught.value.line == 2
    assert "syntax error" in str(caught.value)


def test_exception_while_loading_names_file_and_line(plugins_dir):
    write_tree(plugins_dir, {"broken/build.py": "x = 1\nundefined_name()\n"})
    with pytest.raises(ToolchainError, match=r"build.py:2: NameError") as caught:
        build.load_build_plugin(plugins_dir / "broken")
    assert caught.value.line == 2


def test_same_target_id_twice_in_one_build_plugin(plugins_dir):
    write_tree(plugins_dir, {"dup/build.py": """\
        @target('1.0', 'dup-a')
        def a(path): pass

        @target('1.0', 'dup-b')
        def b(path): pass
        """})
    with pytest.raises(ToolchainError, match="target '1.0' is defined twice") as caught:
        build.load_build_plugin(plugins_dir / "dup")
    assert caught.value.path.endswith("dup/build.py")
    assert caught.value.line == 4  # the second decorator


def test_same_plugin_id_from_two_build_plugins_is_an_error_naming_both(plugins_dir, tmp_path):
    for name in ("one", "two"):
        write_tree(plugins_dir, {f"{name}/build.py": "@target('t', 'shared-id')\ndef f(path): pass\n"})
    write_tree(plugins_dir, {"fine/build.py": "@target('t', 'fine-id')\ndef f(path): pass\n"})
    plugins, errors = build.load_tree(plugins_dir)
    assert len(errors) == 2
    for error in errors:
        assert "'shared-id' is produced by several targets" in str(error)
        assert "one/build.py" in str(error) and "two/build.py" in str(error)
    assert [t.pg_id for t in build.select_targets(plugins, [])] == ["fine-id"]


def test_folders_without_build_file_are_not_build_plugins(plugins_dir):
    acme_plugin(plugins_dir)
    write_tree(plugins_dir, {"_firmwares/digium/readme.txt": "firmware lives here\n"})
    plugins, errors = build.load_tree(plugins_dir)
    assert [p.name for p in plugins] == ["acme"] and errors == []


# --- selection ---------------------------------------------------------------------------

@pytest.fixture
def two_plugins(plugins_dir):
    acme_plugin(plugins_dir, "xivo_acme")
    write_tree(plugins_dir, {"other/build.py": f"""\
        import json, os
        @target('v1', 'other-v1')
        def f(path):
            with open(os.path.join(path, 'plugin-info'), 'w') as out:
                json.dump({{'version': '1.0', 'description': 'o', 'capabilities': {{}}}}, out)
            with open(os.path.join(path, 'entry.py'), 'w') as out:
                out.write({ENTRY_PY!r})
        """})
    plugins, errors = build.load_tree(plugins_dir)
    assert errors == []
    return plugins


@pytest.mark.parametrize("selectors, expected", [
    ([], ["acme-1.0", "acme-2.0", "other-v1"]),
    (["xivo_acme"], ["acme-1.0", "acme-2.0"]),
    (["xivo-acme"], ["acme-1.0", "acme-2.0"]),
    (["xivo-acme:2.0"], ["acme-2.0"]),
    (["other", "xivo_acme:1.0"], ["acme-1.0", "other-v1"]),
    (["acme-2.0"], ["acme-2.0"]),  # a plugin id, as `inv list` shows it
    (["acme-2.0", "xivo_acme"], ["acme-1.0", "acme-2.0"]),
    (["acme-*"], ["acme-1.0", "acme-2.0"]),  # a glob of plugin ids
    (["*-v1", "acme-1.?"], ["acme-1.0", "other-v1"]),
    (["xivo-*"], ["acme-1.0", "acme-2.0"]),  # a glob of build plugin names, - and _ alike
    (["*:2.?", "oth*:v1"], ["acme-2.0", "other-v1"]),  # globs of build plugin names and targets
])
def test_selection(two_plugins, selectors, expected):
    assert sorted(t.pg_id for t in build.select_targets(two_plugins, selectors)) == expected


@pytest.mark.parametrize("selector, message", [
    ("nope", "no build plugin or plugin id matches 'nope' (build plugins: other, xivo_acme)"),
    ("acme-3.0", "no build plugin or plugin id matches 'acme-3.0' (did you mean 'acme-2.0' or 'acme-1.0'?)"),
    ("xivo-acmee", "no build plugin or plugin id matches 'xivo-acmee' (did you mean 'xivo_acme'?)"),
    ("acme-*-beta", "no build plugin or plugin id matches 'acme-*-beta' (build plugins: other, xivo_acme)"),
    ("nope:1.0", "no build plugin or plugin id matches 'nope:1.0' (build plugins: other, xivo_acme)"),
    ("xivo-acm:1.0", "no build plugin or plugin id matches 'xivo-acm:1.0' (did you mean 'xivo_acme'?)"),
    ("xivo_acme:9.9", "build plugin 'xivo_acme' has no target '9.9' (known: 1.0, 2.0)"),
])
def test_unknown_selector(two_plugins, selector, message):
    with pytest.raises(ToolchainError) as raised:
        build.select_targets(two_plugins, [selector])
    assert str(raised.value) == message


def test_selected_build_only_touches_selected_targets(plugins_dir, tmp_path, two_plugins):
    result = build_quietly(plugins_dir, tmp_path / "out", "other")
    assert [t.pg_id for t in result.built] == ["other-v1"]
    assert sorted(os.listdir(tmp_path / "out" / "plugins")) == ["other-v1"]


# --- running targets ---------------------------------------------------------------------

def test_targets_run_in_their_folder_and_get_std_dirs(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    result = build_quietly(plugins_dir, tmp_path / "out")
    assert result.ok, result.failures
    tree = tmp_path / "out" / "plugins" / "acme-1.0"
    assert (tree / "common.py").read_text() == "COMMON = True\n"
    assert (tree / "templates" / "base.tpl").exists()
    assert not (tree / ".hidden").exists()
    for std_dir in build.STD_DIRS:
        assert (tree / std_dir).is_dir() and not os.listdir(tree / std_dir)


def test_std_dirs_false_leaves_them_out(plugins_dir, tmp_path):
    write_tree(plugins_dir, {"bare/build.py": f"""\
        import json
        @target('1', 'bare-1', std_dirs=False)
        def f(path):
            with open(path + '/plugin-info', 'w') as out:
                json.dump({{'version': '1', 'description': 'b', 'capabilities': {{}}}}, out)
            with open(path + '/entry.py', 'w') as out:
                out.write({ENTRY_PY!r})
        """})
    result = build_quietly(plugins_dir, tmp_path / "out")
    assert result.ok, result.failures
    assert sorted(os.listdir(tmp_path / "out" / "plugins" / "bare-1")) == ["entry.py", "plugin-info"]
    assert sorted(members(tmp_path / "out" / "dev" / "bare-1-1.tar.bz2")) == [
        "bare-1", "bare-1/entry.py", "bare-1/plugin-info"]


def test_other_commands_and_python_file_operations_just_work(plugins_dir, tmp_path):
    write_tree(plugins_dir, {
        "gen/build.py": """\
            import os, shutil
            from subprocess import check_call
            @target('1', 'gen-1')
            def f(path):
                shutil.copy('plugin-info', path)
                shutil.copy('entry.py', path)
                os.makedirs(os.path.join(path, 'templates'))
                check_call(['sed', 's/MODEL/D40/', 'model.tpl.in'],
                           stdout=open(os.path.join(path, 'templates', 'D40.tpl'), 'w'))
            """,
        "gen/plugin-info": plugin_info("2.0"),
        "gen/entry.py": ENTRY_PY,
        "gen/model.tpl.in": "model=MODEL\n",
    })
    result = build_quietly(plugins_dir, tmp_path / "out")
    assert result.ok, result.failures
    assert (tmp_path / "out/plugins/gen-1/templates/D40.tpl").read_text() == "model=D40\n"


def test_symlinks_inside_a_plugin_stay_symlinks(plugins_dir, tmp_path):
    folder = acme_plugin(plugins_dir)
    os.symlink("base.tpl", folder / "common" / "templates" / "D40.tpl")
    result = build_quietly(plugins_dir, tmp_path / "out")
    assert result.ok, result.failures
    link = tmp_path / "out/plugins/acme-1.0/templates/D40.tpl"
    assert link.is_symlink() and os.readlink(link) == "base.tpl"
    member = members(tmp_path / "out/dev/acme-1.0-0.3.tar.bz2")["acme-1.0/templates/D40.tpl"]
    assert member.issym() and member.linkname == "base.tpl"


def test_rsync_calls_give_the_same_tree_without_rsync_installed(plugins_dir, tmp_path, monkeypatch):
    acme_plugin(plugins_dir)
    assert build_quietly(plugins_dir, tmp_path / "with", jobs=1).ok
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    assert shutil.which("rsync") is None
    result = build_quietly(plugins_dir, tmp_path / "without", jobs=1)
    assert result.ok, result.failures
    with_dev, without_dev = tmp_path / "with/dev", tmp_path / "without/dev"
    assert sorted(os.listdir(with_dev)) == sorted(os.listdir(without_dev))
    for name in os.listdir(with_dev):
        assert (with_dev / name).read_bytes() == (without_dev / name).read_bytes()


def test_unsupported_rsync_option_without_rsync_names_the_option(plugins_dir, tmp_path, monkeypatch):
    write_tree(plugins_dir, {"odd/build.py": """\
        from subprocess import check_call
        @target('1', 'odd-1')
        def f(path):
            check_call(['rsync', '-rlp', '--delete-excluded', 'src/', path])
        """, "odd/src/plugin-info": plugin_info()})
    monkeypatch.setenv("PATH", str(tmp_path))
    result = build_quietly(plugins_dir, tmp_path / "out")
    assert len(result.failures) == 1
    assert "odd:1 (odd-1)" in result.failures[0] and "--delete-excluded" in result.failures[0]


# --- failures ----------------------------------------------------------------------------

FAILING = {
    "raises": "raise RuntimeError('template generator exploded')",
    "subprocess": "check_call(['false'])",
}


@pytest.mark.parametrize("kind", sorted(FAILING))
def test_failing_target_is_isolated_and_reported(plugins_dir, tmp_path, kind):
    acme_plugin(plugins_dir)
    write_tree(plugins_dir, {"bad/build.py": f"""\
        from subprocess import check_call
        import json
        VERSION = '1.0'
        @target('t', 'bad-t')
        def f(path):
            with open(path + '/plugin-info', 'w') as out:
                json.dump({{'version': VERSION, 'description': 'b', 'capabilities': {{}}}}, out)
            if VERSION == 'broken':
                {FAILING[kind]}
            with open(path + '/entry.py', 'w') as out:
                out.write({ENTRY_PY!r})
        """})
    out = tmp_path / "out"
    assert build_quietly(plugins_dir, out).ok
    assert (out / "dev" / "bad-t-1.0.tar.bz2").exists()
    assert "bad-t" in json.loads((out / "dev/plugins.db").read_bytes())

    build_file = plugins_dir / "bad" / "build.py"
    build_file.write_text(build_file.read_text().replace("VERSION = '1.0'", "VERSION = 'broken'"))
    result = build_quietly(plugins_dir, out)
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert failure.startswith("bad:t (bad-t): ") and "\n" not in failure
    assert {"raises": "RuntimeError: template generator exploded",
            "subprocess": "command `false` exited with status 1"}[kind] in failure
    assert f"{build_file}:9" in failure
    index = json.loads((out / "dev/plugins.db").read_bytes())
    assert sorted(index) == ["acme-1.0", "acme-2.0"]
    assert sorted(os.listdir(out / "dev")) == ["acme-1.0-0.3.tar.bz2", "acme-2.0-1.2.tar.bz2", "plugins.db"]


def test_failure_exit_code_and_one_line_via_inv(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    write_tree(plugins_dir, {"bad/build.py": "@target('t', 'bad-t')\ndef f(path):\n    raise ValueError('nope')\n"})
    done = run_inv("build", "--plugins-dir", str(plugins_dir), "--build-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: bad:t (bad-t): plugins/bad/build.py:3: ValueError: nope"]  # as inv validate shows it
    assert "Traceback" not in done.stderr
    verbose = run_inv("build", "--verbose", "--plugins-dir", str(plugins_dir), "--build-dir", str(tmp_path / "out"),
                      cwd=tmp_path)
    assert "Traceback" in verbose.stderr and verbose.returncode == 1



def test_inv_build_accepts_bare_selectors(plugins_dir, tmp_path, two_plugins):
    done = run_inv("build", "--plugins-dir", str(plugins_dir), "--build-dir", str(tmp_path / "out"),
                   "other", "xivo-acme:2.0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path / "out" / "plugins")) == ["acme-2.0", "other-v1"]


def test_inv_build_with_empty_plugins_folder_says_so(plugins_dir, tmp_path):
    done = run_inv("build", "--plugins-dir", str(plugins_dir), "--build-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no build plugins in" in done.stdout


# --- packages and index ------------------------------------------------------------------

def test_package_layout_and_normalised_headers(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    assert build_quietly(plugins_dir, tmp_path / "out").ok
    package = tmp_path / "out/dev/acme-1.0-0.3.tar.bz2"
    found = members(package)
    assert {name.split("/")[0] for name in found} == {"acme-1.0"}
    assert list(found) == sorted(found, key=lambda n: n.split("/"))
    for member in found.values():
        assert (member.uid, member.gid, member.uname, member.gname, member.mtime) == (0, 0, "", "", 0)
        assert not member.pax_headers
    assert found["acme-1.0/run.sh"].mode == 0o755
    assert found["acme-1.0/common.py"].mode == 0o644
    assert found["acme-1.0/var/tftpboot"].isdir() and found["acme-1.0/var/tftpboot"].mode == 0o755


def test_index_matches_the_contract(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    assert build_quietly(plugins_dir, tmp_path / "out").ok
    raw = (tmp_path / "out/dev/plugins.db").read_bytes()
    index = json.loads(raw)
    assert raw == json.dumps(index, separators=(",", ":"), sort_keys=True).encode()
    entry = index["acme-1.0"]
    package = tmp_path / "out/dev" / entry["filename"]
    assert entry["filename"] == "acme-1.0-0.3.tar.bz2"
    assert entry["dsize"] == package.stat().st_size
    assert entry["sha1sum"] == __import__("hashlib").sha1(package.read_bytes()).hexdigest()
    assert entry["description_fr"] == "Un greffon"
    assert entry["capabilities"] == {"Acme, P1, 1.0": {"sip.lines": 2}}
    assert entry["version"] == "0.3"


def test_reproducible_across_folders_mtimes_and_umask(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    assert build_quietly(plugins_dir, tmp_path / "first").ok
    copy = tmp_path / "elsewhere" / "plugins"
    shutil.copytree(plugins_dir, copy, symlinks=True)
    for path in copy.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000), follow_symlinks=False)
    old_umask = os.umask(0o077)
    try:
        assert build_quietly(copy, tmp_path / "second" / "deeper").ok
    finally:
        os.umask(old_umask)
    for name in ("acme-1.0-0.3.tar.bz2", "acme-2.0-1.2.tar.bz2", "plugins.db"):
        assert (tmp_path / "first/dev" / name).read_bytes() == (tmp_path / "second/deeper/dev" / name).read_bytes()


def test_source_date_epoch_sets_member_times(plugins_dir, tmp_path, monkeypatch):
    acme_plugin(plugins_dir)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_quietly(plugins_dir, tmp_path / "out").ok
    assert {m.mtime for m in members(tmp_path / "out/dev/acme-1.0-0.3.tar.bz2").values()} == {1700000000}


def test_version_bump_replaces_the_old_package(plugins_dir, tmp_path):
    folder = acme_plugin(plugins_dir)
    assert build_quietly(plugins_dir, tmp_path / "out").ok
    (folder / "1.0/plugin-info").write_text(plugin_info("0.10"))
    assert build_quietly(plugins_dir, tmp_path / "out").ok
    assert not (tmp_path / "out/dev/acme-1.0-0.3.tar.bz2").exists()
    assert json.loads((tmp_path / "out/dev/plugins.db").read_bytes())["acme-1.0"]["version"] == "0.10"


def test_index_keeps_highest_version_when_a_folder_holds_several(plugins_dir, tmp_path):
    folder = acme_plugin(plugins_dir)
    assert build_quietly(plugins_dir, tmp_path / "out").ok
    stable = tmp_path / "stable"
    stable.mkdir()
    shutil.copy(tmp_path / "out/dev/acme-1.0-0.3.tar.bz2", stable)
    for version in ("0.10", "0.9", "0.10-rc1"):
        (folder / "1.0/plugin-info").write_text(plugin_info(version))
        assert build_quietly(plugins_dir, tmp_path / "out", "acme:1.0").ok
        shutil.copy(tmp_path / f"out/dev/acme-1.0-{version}.tar.bz2", stable)
    assert build.main(["--db", "--source", str(stable)]) == 0
    assert json.loads((stable / "plugins.db").read_bytes())["acme-1.0"]["version"] == "0.10"


# --- incremental builds ------------------------------------------------------------------

def snapshot(dev: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(dev.iterdir())}


def test_noop_rebuild_rebuilds_and_rewrites_nothing(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    out = tmp_path / "out"
    assert build_quietly(plugins_dir, out).ok
    before = snapshot(out / "dev")
    result = build_quietly(plugins_dir, out)
    assert result.built == [] and len(result.cached) == 2
    assert snapshot(out / "dev") == before


def test_changing_one_file_rebuilds_only_that_plugin(plugins_dir, tmp_path, two_plugins):
    out = tmp_path / "out"
    assert build_quietly(plugins_dir, out).ok
    before = snapshot(out / "dev")
    base = plugins_dir / "xivo_acme/common/templates/base.tpl"
    base.write_text("<config>{{ value }} changed</config>\n")
    result = build_quietly(plugins_dir, out)
    assert sorted(t.pg_id for t in result.built) == ["acme-1.0", "acme-2.0"]
    assert [t.pg_id for t in result.cached] == ["other-v1"]
    after = snapshot(out / "dev")
    assert after["other-v1-1.0.tar.bz2"] == before["other-v1-1.0.tar.bz2"]
    assert after["acme-1.0-0.3.tar.bz2"][0] != before["acme-1.0-0.3.tar.bz2"][0]
    assert after["plugins.db"][0] != before["plugins.db"][0]
    with tarfile.open(out / "dev/acme-2.0-1.2.tar.bz2") as tar:
        assert b"changed" in tar.extractfile("acme-2.0/templates/base.tpl").read()


def test_same_mtime_different_content_is_rebuilt(plugins_dir, tmp_path):
    folder = acme_plugin(plugins_dir)
    out = tmp_path / "out"
    assert build_quietly(plugins_dir, out).ok
    common = folder / "common/common.py"
    stat = common.stat()
    common.write_text("COMMON = 2   \n")  # same size as before
    os.utime(common, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = build_quietly(plugins_dir, out)
    assert sorted(t.pg_id for t in result.built) == ["acme-1.0", "acme-2.0"]


def test_deleted_package_is_rebuilt_not_served_from_cache(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    out = tmp_path / "out"
    assert build_quietly(plugins_dir, out).ok
    (out / "dev/acme-2.0-1.2.tar.bz2").write_bytes(b"tampered")
    result = build_quietly(plugins_dir, out)
    assert [t.pg_id for t in result.built] == ["acme-2.0"]
    assert tarfile.open(out / "dev/acme-2.0-1.2.tar.bz2").getmember("acme-2.0/plugin-info")


# --- the classic command -----------------------------------------------------------------

def test_classic_build_package_db_commands(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    trees, dev = tmp_path / "_build/plugins", tmp_path / "_build/dev"
    script = str(ROOT / "build.py")
    for args in (["-B", "--source", str(plugins_dir), "--destination", str(trees)],
                 ["--package", "--source", str(trees), "--destination", str(dev)],
                 ["--db", "--source", str(dev)]):
        done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(dev)) == ["acme-1.0-0.3.tar.bz2", "acme-2.0-1.2.tar.bz2", "plugins.db"]
    engine_out = tmp_path / "engine"
    assert build_quietly(plugins_dir, engine_out).ok
    for name in os.listdir(dev):
        assert (dev / name).read_bytes() == (engine_out / "dev" / name).read_bytes()


def test_classic_command_failure_exits_non_zero(plugins_dir, tmp_path):
    write_tree(plugins_dir, {"bad/build.py": "@target('t', 'bad-t')\ndef f(path):\n    raise ValueError('nope')\n"})
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "-B", "--source", str(plugins_dir),
                           "--destination", str(tmp_path / "trees")], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: bad:t (bad-t): {plugins_dir / 'bad/build.py'}:3: ValueError: nope"


def test_parallel_build_while_other_threads_run(plugins_dir, tmp_path):
    """With threads alive (a test server, say) workers come from a fork server; same bytes."""
    import threading
    acme_plugin(plugins_dir)
    assert build_quietly(plugins_dir, tmp_path / "forked").ok
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)
    busy.start()
    try:
        result = build_quietly(plugins_dir, tmp_path / "served")
    finally:
        stop.set()
        busy.join()
    assert result.ok, result.failures
    assert len(result.built) == 2
    for name in ("acme-1.0-0.3.tar.bz2", "acme-2.0-1.2.tar.bz2", "plugins.db"):
        assert (tmp_path / "forked/dev" / name).read_bytes() == (tmp_path / "served/dev" / name).read_bytes()


def test_bare_words_become_selectors_but_task_names_stay_tasks():
    import tasks
    from repo.ui.cli import accept_trailing_words
    argv = ["build", "-j", "3", "xivo_digium", "--build-dir", "out", "acme:1.0", "upload", "--dry-run"]
    assert accept_trailing_words({"build": (tasks.build, "selector")}, argv, frozenset({"build", "upload"})) == [
        "build", "-j", "3", "--selector=xivo_digium", "--build-dir", "out", "--selector=acme:1.0", "upload",
        "--dry-run"]
