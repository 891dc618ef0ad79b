"""Property: what the package checks accept, provd's plain extractall writes inside the plugin folder, as checked.

Random member lists (files, folders, symlinks, hard links; names with ``.``, ``..``, empty
segments, absolute paths, repeats; a few bad modes) are read by the package checks, which
copy what they accept into a scratch folder (what the built-plugin rules then read).
Whatever the verdict, the scratch copy stays inside its folder. When the package is
accepted, a helper process extracts it with ``tarfile.extractall`` and no filter, as
provd does, chrooted into the sandbox when run as root so that a broken check cannot
reach the host; then nothing may exist outside the plugin folder, no symlink may resolve
outside it, and the extracted tree must be exactly the scratch copy: same paths, kinds,
bytes and link targets (no checked member replaced).
"""
from __future__ import annotations

import io
import itertools
import os
import stat
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from repo.errors import ToolchainError
from repo.package.archive import read_package
from repo.package.scratch import ScratchCopy
from tests.tarballs import INFO, member, tarball

TOP = "p"
FILENAME = f"{TOP}-0.3.tar.bz2"
# Half the examples use plain names (folders a/ and b/, links that may shadow them, files),
# so that many packages pass; the other half tries every trick on every member.
FOLDERS = st.lists(st.sampled_from(["a", "b"]), max_size=2).map(lambda path: "".join(f"{s}/" for s in path))
LEAVES = {tarfile.DIRTYPE: ["a", "b"], tarfile.SYMTYPE: ["a", "b", "x", "y"], tarfile.REGTYPE: ["x", "y", "entry.py"],
          tarfile.LNKTYPE: ["x", "y", "entry.py"]}
PLAIN_TARGET = st.lists(st.sampled_from([".", "a", "b", "x", "..", "."]), min_size=1, max_size=2).map("/".join)
TRICKY_PATH = st.lists(st.sampled_from([TOP, "a", "b", "plugin-info", ".", "..", ""]), min_size=1,
                       max_size=4).map("/".join)
TRICKY_NAME = st.tuples(st.sampled_from([f"{TOP}/", "", "/"]), TRICKY_PATH).map("".join)
TRICKY_TARGET = st.one_of(TRICKY_PATH, TRICKY_PATH.map(lambda path: f"/{path}"))

# Extracts /N/package.tar.bz2 into /N/deep/er/plugins for each N read on stdin, as provd does.
EXTRACTOR = r"""
import bz2, os, sys, tarfile  # all imported before the chroot
sandbox = sys.argv[1]
if os.getuid() == 0:
    os.chroot(sandbox)
    sandbox = "/"
options = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
for line in sys.stdin:
    folder = os.path.join(sandbox, line.strip())
    try:
        with tarfile.open(os.path.join(folder, "package.tar.bz2")) as tar:
            tar.extractall(os.path.join(folder, "deep/er/plugins"), **options)
        print("ok", flush=True)
    except Exception as exc:
        print(f"failed: {type(exc).__name__}: {exc}".replace("\n", " "), flush=True)
"""


@st.composite
def members(draw):
    """The least loadable plugin, plus random members anywhere in the list."""
    listed = [member(TOP, tarfile.DIRTYPE, mode=0o755), member(f"{TOP}/plugin-info", data=INFO),
              member(f"{TOP}/entry.py", data=b"class Plugin:\n    IS_PLUGIN = True\n")]
    plain = draw(st.booleans())
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from([tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE]))
        if plain:
            name = f"{TOP}/{draw(FOLDERS)}{draw(st.sampled_from(LEAVES[kind]))}"
            if name in {info.name for info, _ in listed}:
                continue
            mode = draw(st.sampled_from([0o755 if kind == tarfile.DIRTYPE else 0o644] * 8 + [0o666, 0o4755]))
        else:
            name = draw(TRICKY_NAME)
            mode = draw(st.sampled_from([0o755, 0o644, 0o777, 0o4755, 0o2755]))
        if kind == tarfile.SYMTYPE:
            extra = member(name, kind, linkname=draw(PLAIN_TARGET if plain else TRICKY_TARGET), mode=0o777)
        elif kind == tarfile.LNKTYPE:  # usually a name already in the list, as real hard links are
            earlier = [info.name for info, _ in listed]
            extra = member(name, kind, linkname=draw(st.one_of(st.sampled_from(earlier), TRICKY_NAME)), mode=mode)
        else:
            extra = member(name, kind, data=draw(st.binary(max_size=8)), mode=mode)
        listed.insert(draw(st.integers(0, len(listed))), extra)
    return listed


@pytest.fixture(scope="module")
def sandbox():
    with tempfile.TemporaryDirectory(prefix="provd-fuzz-") as folder:
        extractor = subprocess.Popen([sys.executable, "-c", EXTRACTOR, folder], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        try:
            yield Path(folder), extractor
        finally:
            extractor.stdin.close()
            extractor.wait(30)


def tree(root: Path) -> dict[str, tuple]:
    """Everything under ``root`` by relative path: kind and content (bytes, or link target)."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = ("symlink", os.readlink(path))
            elif path.is_dir():
                found[rel] = ("folder",)
            else:
                found[rel] = ("file", path.read_bytes())
    return found


def verdict(data: bytes, copy: ScratchCopy | None = None) -> bool:
    try:
        read_package(io.BytesIO(data), FILENAME, FILENAME, copy=copy)
        return True
    except ToolchainError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"{FILENAME}: ")
        return False


COUNTER = itertools.count()


@settings(max_examples=500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(members())
def test_accepted_packages_extract_inside_their_folder_exactly_as_checked(sandbox, members):
    root, extractor = sandbox
    number = str(next(COUNTER))
    folder = root / number
    folder.mkdir()
    data = tarball(members)
    (folder / "package.tar.bz2").write_bytes(data)
    copy = folder / "copy"
    accepted = verdict(data)  # the archive rules alone, as for a package just built here
    event("accepted" if accepted else "refused")  # pytest --hypothesis-show-statistics
    assert verdict(data, ScratchCopy(copy, FILENAME)) == accepted  # copying for the checks changes nothing
    assert {p.name for p in root.iterdir()} <= {str(n) for n in range(int(number) + 1)}
    assert all(rel.split("/")[0] in ("package.tar.bz2", "copy") for rel in tree(folder)), "scratch copy escaped"
    if not accepted:
        return

    extractor.stdin.write(number + "\n")
    extractor.stdin.flush()
    assert extractor.stdout.readline().strip() == "ok"
    plugins = folder / "deep/er/plugins"
    outside = [rel for rel in tree(folder) if rel.split("/")[0] not in ("package.tar.bz2", "copy", "deep")]
    outside += [rel for rel in tree(folder / "deep")
                if rel not in ("er", "er/plugins", f"er/plugins/{TOP}") and not rel.startswith(f"er/plugins/{TOP}/")]
    assert outside == [] and [p.name for p in plugins.iterdir()] == [TOP]
    assert {p.name for p in root.iterdir()} <= {str(n) for n in range(int(number) + 1)}, "written at the sandbox root"
    plugin = (plugins / TOP).resolve()
    for rel, entry in tree(plugins / TOP).items():
        mode = os.lstat(plugins / TOP / rel).st_mode
        assert entry[0] == "symlink" or not mode & (stat.S_ISUID | stat.S_ISGID | stat.S_IWOTH), f"{rel}: {mode:o}"
        if entry[0] == "symlink":
            resolved = Path(os.path.realpath(plugins / TOP / rel))
            assert resolved == plugin or plugin in resolved.parents, f"{rel} -> {entry[1]} resolves outside"
    assert tree(plugins / TOP) == tree(copy / TOP), "provd would install other content than what was checked"
