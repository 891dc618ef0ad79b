"""repo.build.rsync must leave exactly the tree the real rsync leaves (paths, types, bytes, link
targets, permission bits) for every argv in the supported subset."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repo.build import rsync
from repo.errors import ToolchainError

RSYNC = shutil.which("rsync")
needs_rsync = pytest.mark.skipif(RSYNC is None, reason="the real rsync is not installed (Debian package "
                                                       "'rsync'); the equivalence tests compare against it")


# ---------------------------------------------------------------- helpers

def snapshot(root: Path) -> dict[str, tuple] | None:
    """Everything rsync's result is judged on: relative path -> (type, perm bits, bytes/target)."""
    if not os.path.lexists(root):
        return None
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames + ([""] if dirpath == str(root) else []):
            path = os.path.join(dirpath, name) if name else dirpath
            rel = os.path.relpath(path, root)
            st_ = os.lstat(path)
            mode = stat.S_IMODE(st_.st_mode)
            if stat.S_ISLNK(st_.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st_.st_mode):
                out[rel] = ("dir", oct(mode))
            else:
                out[rel] = ("file", oct(mode), Path(path).read_bytes())
    return out


def write(path: Path, text: str = "", mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text or path.name + "\n")
    path.chmod(mode)


def build_sources(work: Path) -> None:
    """A plugin-like tree exercising every filter and copy rule, plus an overlapping second source."""
    src = work / "src"
    for rel in ["a.txt", "b.tpl", "c.py", "x.tpl", ".hidden", ".git/config", ".git/hooks/pre", "a1", "b1",
                "c1", "d1", "x1", "q1.txt", "qq.txt", "sp ace.txt", "star*name", "starname", "a\\b",
                "sub/a.txt", "sub/b.tpl", "sub/.hidden.tpl", "sub/deep/c.tpl", "sub/deep/d.txt",
                "sub/deep/deeper/e.tpl", "sub/build/inner.txt", "sub/tmpl/t.tpl", "sub/sub/s.tpl",
                "tmpl/x.tpl", "tmpl/y.cfg", "tmpl/inner/z.tpl", "build", "empty/.keep"]:
        write(src / rel)
    (src / "empty/.keep").unlink()
    write(src / "run.sh", "#!/bin/sh\n", 0o755)
    write(src / "secret", mode=0o600)
    write(src / "group.sh", mode=0o750)
    write(src / "setuid", mode=0o4755)
    write(src / "readonly", mode=0o444)
    write(src / "same_stamp", "new\n")
    (src / "sub").chmod(0o750)
    (src / "sub/deep").chmod(0o700)
    (src / "ln_rel").symlink_to("a.txt")
    (src / "ln_dir").symlink_to("sub")
    (src / "ln_dang").symlink_to("nowhere/at/all")
    (src / "ln_abs").symlink_to("/etc/hostname")
    (src / "sub/ln_up").symlink_to("../a.txt")
    other = work / "other"
    for rel in ["a.txt", "extra.txt", "sub/a.txt", "sub/only_other.tpl", "build/in_build.txt", "tmpl",
                "ln_rel", "sub/deep/d.txt/f"]:
        write(other / rel, "other " + rel)
    os.mkfifo(work / "fifo")


def prepopulate(dest: Path) -> None:
    """An existing destination: extra files (kept), files to overwrite, entries of another type."""
    write(dest / "extra.txt")
    write(dest / "a.txt", "old content that is longer\n", 0o600)
    write(dest / "sub/old.txt")
    write(dest / "tmpl", "a file where the source has a folder")
    (dest / "c.py").mkdir()  # an empty folder where the source has a file
    write(dest / "ln_rel", "a file where the source has a link")
    (dest / "run.sh").symlink_to("extra.txt")  # a link where the source has a file: replaced, not followed
    (dest / "ln_dang").symlink_to("nowhere/at/all")  # an identical link
    (dest / "ln_dir").symlink_to("elsewhere")
    (dest / "sub/deep").mkdir()
    (dest / "sub/deep").chmod(0o777)
    write(dest / "same_stamp", "OLD\n", 0o640)  # same size and mtime: rsync's quick check skips it


OLD_NS = 1_000_000_000 * 10**9  # 2001: pre-existing files never share the sources' mtime by accident


def age(root: Path) -> None:
    """Give every entry under root an old mtime, so rsync's quick check (same size and mtime
    means unchanged) only fires where a test sets it up on purpose."""
    paths = [root] + [Path(d) / n for d, ds, fs in os.walk(root) for n in ds + fs] if root.is_dir() else [root]
    for path in paths:
        os.utime(path, ns=(OLD_NS, OLD_NS), follow_symlinks=False)


def sync_stamps(work: Path, dest: Path) -> None:
    if (dest / "same_stamp").exists():
        st_ = os.stat(work / "src/same_stamp")
        os.utime(dest / "same_stamp", ns=(st_.st_atime_ns, st_.st_mtime_ns))


def compare(tmp_path: Path, args: list[str], prepop: str | None = None, allow_error: bool = False) -> dict | None:
    """Run real rsync and repo.build.rsync with the same args (DEST replaced) and the same cwd; compare.

    With allow_error, a failing rsync is fine provided repo.build.rsync raises ToolchainError too.
    """
    work = tmp_path / "work"
    if not work.exists():
        work.mkdir()
        build_sources(work)
    results = []
    for tool in ("real", "emu"):
        dest = tmp_path / tool
        if prepop == "tree":
            prepopulate(dest)
            age(dest)
            sync_stamps(work, dest)
        elif prepop is not None:
            write(dest, prepop)
            age(dest)
        argv = ["rsync"] + [a.replace("DEST", f"../{tool}") for a in args]
        if tool == "real":
            proc = subprocess.run(argv, cwd=work, capture_output=True, text=True)
            if allow_error and proc.returncode != 0:
                with pytest.raises(ToolchainError):
                    rsync.run(["rsync"] + [a.replace("DEST", "../emu") for a in args], cwd=work)
                return None
            assert proc.returncode == 0, proc.stderr
        else:
            rsync.run(argv, cwd=work)
        results.append(snapshot(dest))
    assert results[0] == results[1]
    return results[0]


# ---------------------------------------------------------------- equivalence cases

CASES = [
    # options, bundling, trailing-slash rule
    ["-rlp", "src/", "DEST"],
    ["-r", "src/", "DEST"],
    ["-rl", "src/", "DEST"],
    ["-rp", "src/", "DEST"],
    ["-lrp", "src", "DEST"],
    ["-r", "-l", "-p", "src", "DEST/"],
    ["--recursive", "--links", "--perms", "src/", "DEST"],
    ["-rlpv", "src/", "DEST"],
    ["-q", "-rl", "src/sub/", "DEST"],
    ["src/", "DEST", "-rl"],  # options after operands, like popt allows
    ["-rl", "--", "src/", "DEST"],
    # no -r: directories skipped; no -l: links skipped
    ["src/", "DEST"],
    ["src", "DEST"],
    ["-lp", "src", "src/a.txt", "DEST"],
    ["-lp", "src/a.txt", "src/run.sh", "src/ln_rel", "src/ln_dang", "DEST"],
    ["src/a.txt", "src/ln_rel", "DEST"],
    ["src/ln_rel", "DEST"],
    ["-l", "src/ln_rel", "DEST"],
    # file sources
    ["-p", "src/run.sh", "DEST"],
    ["src/setuid", "DEST"],
    ["-p", "src/setuid", "DEST/"],
    ["-r", "src/secret", "src/sub/a.txt", "DEST"],
    ["src/a.txt", "other/a.txt", "DEST"],  # same name twice: dest is a folder, first wins
    # a lone folder with nothing (left) inside is copied *as* the missing destination
    ["-rlp", "src/empty", "DEST"],
    ["-rp", "--exclude", "/sub/*", "src/sub", "DEST"],
    ["-rl", "--exclude", "*.tpl", "src/tmpl/inner", "DEST"],
    ["-r", "src/empty", "DEST/"],
    ["-r", "src/empty", "src/a.txt", "DEST"],
    ["-r", "--exclude", "a.txt", "src/empty", "src/a.txt", "DEST"],
    ["-rl", "--exclude", "*", "src/", "DEST"],
    # symlink sources
    ["-rl", "src/ln_dir", "DEST"],
    ["-rl", "src/ln_dir/", "DEST"],
    ["-r", "src/ln_dir", "DEST/"],
    ["-rlp", "src/ln_dang", "DEST/"],
    # ".", "./", "src/.", ".."
    ["-rl", ".", "DEST"],
    ["-rl", "./", "DEST"],
    ["-rlp", "src/.", "DEST"],
    ["-rlp", "src/sub/..", "DEST"],
    ["-rlp", "./src", "DEST"],
    ["-rlp", "src//sub", "DEST"],
    # several sources: first wins, folders merge, a folder beats a file
    ["-rlp", "src/", "other/", "DEST"],
    ["-rlp", "other/", "src/", "DEST"],
    ["-rlp", "src", "other", "DEST"],
    ["-rl", "other/a.txt", "src/", "DEST"],
    ["-rl", "src/sub", "other/", "DEST"],
    ["-r", "src/ln_rel", "other/", "DEST"],  # skipped link still shadows other/ln_rel
    # filters: basics and ordering
    ["-rl", "--exclude", ".*", "src/", "DEST"],
    ["-rl", "--exclude", "*.tpl", "src/", "DEST"],
    ["-rl", "--exclude=*.tpl", "--exclude=*.py", "src/", "DEST"],
    ["-rl", "--include", "*.tpl", "--exclude", "*", "src/", "DEST"],
    ["-rl", "--include", "*/", "--include", "*.tpl", "--exclude", "*", "src/", "DEST"],
    ["-rl", "--exclude", "*", "--include", "*.tpl", "src/", "DEST"],
    ["-rl", "--exclude", "*", "src/", "DEST"],
    ["-rl", "--exclude", "*", "src", "DEST"],
    ["-rl", "--exclude", "*", "src/a.txt", "DEST"],
    ["-rl", "--exclude", "*", "src/a.txt", "DEST/"],
    ["-rl", "--exclude", ".", "src/", "DEST"],
    # dir-only trailing slash: "build" is a file at the top and a folder in sub/
    ["-rl", "--exclude", "build/", "src/", "DEST"],
    ["-rl", "--exclude", "build", "src/", "DEST"],
    ["-rl", "--exclude", "ln_dir/", "src/", "DEST"],
    ["-rl", "--exclude", "src/", "src", "DEST"],
    # anchored vs unanchored; the transfer root of "src" is its parent
    ["-rl", "--exclude", "/tmpl", "src/", "DEST"],
    ["-rl", "--exclude", "tmpl", "src/", "DEST"],
    ["-rl", "--exclude", "/tmpl", "src", "DEST"],
    ["-rl", "--exclude", "/src/tmpl", "src", "DEST"],
    ["-rl", "--exclude", "/src", "src", "DEST"],
    ["-rl", "--exclude", "/sub/a.txt", "src/", "DEST"],
    ["-rl", "--exclude", "sub/a.txt", "src/", "DEST"],
    ["-rl", "--exclude", "sub/a.txt", "src", "DEST"],
    ["-rl", "--exclude", "sub/*.tpl", "src/", "DEST"],
    ["-rl", "--exclude", "deep/*", "src/", "DEST"],
    ["-rl", "--exclude", "s*/deep", "src/", "DEST"],
    # "**"
    ["-rl", "--exclude", "**/deep", "src/", "DEST"],
    ["-rl", "--exclude", "**.tpl", "src/", "DEST"],
    ["-rl", "--exclude", "sub/**", "src/", "DEST"],
    ["-rl", "--exclude", "/sub/**", "src/", "DEST"],
    ["-rl", "--exclude", "sub**", "src/", "DEST"],
    ["-rl", "--exclude", "s**e", "src/", "DEST"],
    ["-rl", "--exclude", "sub/**/e.tpl", "src/", "DEST"],
    ["-rl", "--exclude", "sub/**/c.tpl", "src/", "DEST"],
    ["-rl", "--exclude", "**/sub/*", "src/", "DEST"],
    ["-rl", "--exclude", "/**/deep/", "src/", "DEST"],
    # "?", "[...]"
    ["-rl", "--exclude", "?1", "src/", "DEST"],
    ["-rl", "--exclude", "q?.txt", "src/", "DEST"],
    ["-rl", "--exclude", "[a-c]1", "src/", "DEST"],
    ["-rl", "--exclude", "[!a]1", "src/", "DEST"],
    ["-rl", "--exclude", "[^ab]1", "src/", "DEST"],
    ["-rl", "--exclude", "[[:digit:]x]*", "src/", "DEST"],
    ["-rl", "--exclude", "*[[:digit:]]", "src/", "DEST"],
    ["-rl", "--exclude", "[]a]*", "src/", "DEST"],
    ["-rl", "--exclude", "a[", "--exclude", "*.py", "src/", "DEST"],  # malformed class never matches
    ["-rl", "--exclude", "[/a]*", "--exclude", "sub/[/d]*", "src/", "DEST"],  # a "/" in [...] counts as one
    # "***"
    ["-rl", "--include", "tmpl/***", "--exclude", "*", "src/", "DEST"],
    ["-rl", "--include", "/sub/***", "--exclude", "*", "src/", "DEST"],
    ["-rl", "--include", "sub/", "--include", "sub/deep/***", "--exclude", "*", "src/", "DEST"],
    # an excluded folder is not descended into, whatever comes later
    ["-rl", "--exclude", "sub", "--include", "sub/a.txt", "src/", "DEST"],
    ["-rl", "--include", "sub/a.txt", "--exclude", "sub", "src/", "DEST"],
    ["-rl", "--include", "sub/a.txt", "--exclude", "*", "src/", "DEST"],
    ["-rl", "--include", "sub/", "--include", "sub/a.txt", "--exclude", "*", "src/", "DEST"],
    # escapes, literals, old-style prefixes, "!"
    ["-rl", "--exclude", "star\\*name", "src/", "DEST"],
    ["-rl", "--exclude", "star*name", "src/", "DEST"],
    ["-rl", "--exclude", "a\\b", "src/", "DEST"],
    ["-rl", "--exclude", "a\\b*", "src/", "DEST"],
    ["-rl", "--exclude", "sp ace.txt", "src/", "DEST"],
    ["-rl", "--exclude", "+ *.tpl", "--exclude", "*", "src/", "DEST"],
    ["-rl", "--include", "- *.tpl", "src/", "DEST"],
    ["-rl", "--exclude", "*.tpl", "--exclude", "!", "--exclude", "*.txt", "src/", "DEST"],
    ["-rl", "--exclude", "", "--include=", "src/", "DEST"],
    # filters with several sources and file sources
    ["-rl", "--exclude", "*.txt", "src/", "other/", "DEST"],
    ["-rl", "--exclude", "/a.txt", "src/a.txt", "other/", "DEST"],
    ["-rl", "--exclude", "build/", "src/", "other/", "DEST"],
]


@needs_rsync
@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_same_tree_as_rsync(tmp_path: Path, args: list[str]) -> None:
    compare(tmp_path, args)


PREPOP_CASES = [
    ["-rlp", "src/", "DEST"],
    ["-rl", "src/", "DEST"],
    ["-r", "src/", "DEST"],
    ["-rlp", "src/", "other/", "DEST"],
    ["-rl", "--include", "*/", "--include", "*.txt", "--exclude", "*", "src/", "DEST"],
    ["-rlp", "src", "DEST"],
    ["-lp", "src/a.txt", "src/run.sh", "src/same_stamp", "DEST"],
]


@needs_rsync
@pytest.mark.parametrize("args", PREPOP_CASES, ids=[" ".join(c) for c in PREPOP_CASES])
def test_same_tree_as_rsync_into_existing_destination(tmp_path: Path, args: list[str]) -> None:
    tree = compare(tmp_path, args, prepop="tree")
    assert tree["extra.txt"][0] == "file"  # no --delete


@needs_rsync
@pytest.mark.parametrize("args", [["src/a.txt", "DEST"], ["-p", "src/run.sh", "DEST"], ["-l", "src/ln_rel", "DEST"],
                                  ["src/ln_rel", "DEST"], ["--exclude", "*", "src/a.txt", "DEST"]])
def test_single_source_onto_existing_file(tmp_path: Path, args: list[str]) -> None:
    compare(tmp_path, args, prepop="an existing file\n")


@needs_rsync
@pytest.mark.parametrize("args, fails", [
    (["src/a.txt", "DEST"], False), (["-l", "src/ln_rel", "DEST"], False), (["-rp", "src/empty/", "DEST"], False),
    (["-r", "src/empty", "DEST"], False), (["-r", "--exclude", "*", "src/", "DEST"], False),
    (["-r", "src/", "DEST"], True), (["-r", "src/sub", "DEST"], True)])
def test_onto_dangling_symlink(tmp_path: Path, args: list[str], fails: bool) -> None:
    (tmp_path / "real").symlink_to("nowhere")
    (tmp_path / "emu").symlink_to("nowhere")
    assert (compare(tmp_path, args, allow_error=True) is None) == fails  # mkdir: File exists


@needs_rsync
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002, 0o027])
@pytest.mark.parametrize("args", [["-rl", "src/", "DEST"], ["-rlp", "src/", "DEST"], ["-rl", "src", "DEST"],
                                  ["src/run.sh", "DEST"]])
def test_same_permissions_under_umask(tmp_path: Path, mask: int, args: list[str]) -> None:
    old = os.umask(mask)
    try:
        compare(tmp_path, args)
    finally:
        os.umask(old)


@needs_rsync
@pytest.mark.parametrize("args", [["-rl", "src/", "DEST"], ["-rlp", "src/", "DEST"], ["-rl", "src", "DEST"]])
def test_new_folders_inherit_setgid_like_rsync(tmp_path: Path, args: list[str]) -> None:
    for tool in ("real", "emu"):
        (tmp_path / tool).mkdir()
        (tmp_path / tool).chmod(0o2775)
    compare(tmp_path, args, prepop=None)


@needs_rsync
def test_read_only_source_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    write(work / "ro/in/f")
    for d in ("ro/in", "ro"):
        (work / d).chmod(0o555)
    try:
        for args in (["-rlp", "ro/", "DEST"], ["-rl", "ro", "DEST"]):
            compare(tmp_path, args)
            compare(tmp_path, args)  # again, into the read-only result
            for tool in ("real", "emu"):
                for dirpath, _, _ in os.walk(tmp_path / tool):
                    os.chmod(dirpath, 0o755)
                shutil.rmtree(tmp_path / tool)
    finally:
        for d in ("ro", "ro/in"):
            (work / d).chmod(0o755)


@needs_rsync
def test_dest_is_relative_to_cwd_not_process_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    compare(tmp_path, ["-rlp", "--exclude", ".*", "src/", "DEST"])
    assert os.listdir(tmp_path / "elsewhere") == []


# ---------------------------------------------------------------- property test

NAMES = ["a", "b", "ab", "a.tpl", "b.tpl", ".x", "sub", "c1", "d"]
TOKENS = ["a", "b", "sub", ".", "tpl", "1", "*", "**", "***", "?", "[ab]", "[!a]", "[a-c]", "/", "\\*", "x",
          "[/a]", "[]a]", "[[:alpha:]]", "**/", "+ ", "["]

trees = st.dictionaries(
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join),
    st.sampled_from(["file", "exec", "link", "dir"]), min_size=1, max_size=12)
patterns = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map("".join)
rules = st.lists(st.tuples(st.sampled_from(["--include", "--exclude"]), patterns), max_size=4)


def make_tree(root: Path, spec: dict[str, str]) -> None:
    root.mkdir(parents=True)
    for rel, kind in sorted(spec.items()):
        path = root / rel
        if any(p.exists() and not p.is_dir() or p.is_symlink() for p in list(path.parents)[:-1]):
            continue  # a prefix of this path is already a file
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            continue
        if kind == "link":
            path.symlink_to("a")
        elif kind == "dir":
            path.mkdir(mode=0o750)
        else:
            write(path, rel, 0o755 if kind == "exec" else 0o640)


@needs_rsync
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, tree2=trees, rules=rules, flags=st.sampled_from(["-rlp", "-rl", "-r", "-lp"]),
       srcs=st.sampled_from([["s/"], ["s"], ["s/", "t/"], ["t", "s/"], ["s/sub", "t/"]]))
def test_property_same_tree_as_rsync(tree, tree2, rules, flags, srcs) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        work = tmp_path / "work"
        make_tree(work / "s", tree)
        make_tree(work / "t", tree2)
        args = [flags] + [x for rule in rules for x in rule] + srcs + ["DEST"]
        if not all((work / s).exists() for s in srcs):
            srcs = ["s/"]
            args = [flags] + [x for rule in rules for x in rule] + srcs + ["DEST"]
        compare(tmp_path, args, allow_error=True)


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("option, argv", [
    ("-a", ["rsync", "-a", "src/", "dest"]),
    ("-t", ["rsync", "-rlpt", "src/", "dest"]),
    ("-z", ["rsync", "-zr", "src/", "dest"]),
    ("--delete", ["rsync", "-rlp", "--delete", "src/", "dest"]),
    ("--filter", ["rsync", "-r", "--filter=- *.o", "src/", "dest"]),
    ("--filter", ["rsync", "-r", "--filter", "- *.o", "src/", "dest"]),
    ("--exclude-from", ["rsync", "-r", "--exclude-from", "list", "src/", "dest"]),
    ("--no-perms", ["rsync", "-r", "--no-perms", "src/", "dest"]),
])
def test_unsupported_option_names_the_option(tmp_path: Path, option: str, argv: list[str]) -> None:
    with pytest.raises(rsync.UnsupportedOption) as info:
        rsync.run(argv, cwd=tmp_path)
    assert info.value.option == option
    assert option in str(info.value)
    assert isinstance(info.value, ToolchainError)
    assert os.listdir(tmp_path) == []


def test_remote_path_is_unsupported(tmp_path: Path) -> None:
    with pytest.raises(rsync.UnsupportedOption, match="host:src"):
        rsync.run(["rsync", "-r", "host:src/", "dest"], cwd=tmp_path)


def test_missing_source_names_the_path(tmp_path: Path) -> None:
    write(tmp_path / "there/a")
    with pytest.raises(ToolchainError) as info:
        rsync.run(["/usr/bin/rsync", "-rlp", "there/", "not-there/", "dest"], cwd=tmp_path)
    assert "not-there/" in str(info.value)
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("argv", [["rsync"], ["rsync", "-r"], ["rsync", "-rlp", "src/"]])
def test_wrong_argument_count(tmp_path: Path, argv: list[str]) -> None:
    with pytest.raises(ToolchainError, match="source and a destination"):
        rsync.run(argv, cwd=tmp_path)


def test_option_without_pattern(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="--exclude"):
        rsync.run(["rsync", "-r", "src/", "dest", "--exclude"], cwd=tmp_path)


@pytest.mark.parametrize("args, dest", [
    (["-r", "src/", "missing/parent/DEST"], None),  # rsync creates one level only
    (["-r", "src/", "DEST"], "file"),  # a folder onto a file
    (["src/a.txt", "src/b.tpl", "DEST"], "file"),  # several files onto a file
    (["-r", "src/a.txt/", "DEST"], None),  # trailing slash on a file
    (["-r", "src/", "DEST"], "nonempty"),  # a non-empty folder in the way of a file
])
def test_errors_like_rsync(tmp_path: Path, args: list[str], dest: str | None) -> None:
    work = tmp_path / "work"
    write(work / "src/a.txt")
    write(work / "src/b.tpl")
    for tool in ("real", "emu"):
        if dest == "file":
            write(tmp_path / tool)
        elif dest == "nonempty":
            write(tmp_path / tool / "a.txt/inside")
    if RSYNC is not None:
        argv = ["rsync"] + [a.replace("DEST", "../real") for a in args]
        assert subprocess.run(argv, cwd=work, capture_output=True).returncode != 0
    with pytest.raises(ToolchainError):
        rsync.run(["rsync"] + [a.replace("DEST", "../emu") for a in args], cwd=work)
