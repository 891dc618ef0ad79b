"""Packages the toolchain reads, crafted with tarfile: anything unsafe for provd's unfiltered extractall is refused."""
from __future__ import annotations

import io
import json
import tarfile

import pytest

import build
from repo.errors import ToolchainError
from repo.package.checks import inspect_package, inspect_package_bytes
from tests.conftest import valid_plugin
from tests.tarballs import FILENAME, INFO, PLUGIN_ID, member, plugin_members, tarball


def test_a_well_formed_package_with_links_inside_is_accepted():
    data = tarball(plugin_members() + [
        member(f"{PLUGIN_ID}/templates", tarfile.DIRTYPE, mode=0o755),
        member(f"{PLUGIN_ID}/templates/base.tpl", data=b"<config/>"),
        member(f"{PLUGIN_ID}/templates/D40.tpl", tarfile.SYMTYPE, linkname="base.tpl"),
        member(f"{PLUGIN_ID}/templates/up", tarfile.SYMTYPE, linkname="../entry.py"),
        member(f"{PLUGIN_ID}/same.py", tarfile.LNKTYPE, linkname=f"{PLUGIN_ID}/entry.py"),
    ])
    package = inspect_package_bytes(data, FILENAME)
    assert (package.plugin_id, package.version, package.dsize) == (PLUGIN_ID, "0.3", len(data))


UNSAFE = {
    "path traversal": ([member(f"{PLUGIN_ID}/../../etc/cron.d/evil", data=b"x")], "goes up with '..'"),
    "absolute path": ([member("/etc/cron.d/evil", data=b"x")], "absolute member path '/etc/cron.d/evil'"),
    "symlink escape": ([member(f"{PLUGIN_ID}/var/etc", tarfile.SYMTYPE, linkname="../../../etc")],
                       "symlink 'acme-1.0/var/etc' -> '../../../etc' points outside the plugin folder"),
    "absolute symlink": ([member(f"{PLUGIN_ID}/passwd", tarfile.SYMTYPE, linkname="/etc/passwd")],
                         "points outside the plugin folder"),
    "symlink escape through a symlink": ([member(f"{PLUGIN_ID}/here", tarfile.SYMTYPE, linkname="."),
                                          member(f"{PLUGIN_ID}/up", tarfile.SYMTYPE, linkname="here/..")],
                                         "symlink 'acme-1.0/up' -> 'here/..' points outside the plugin folder"),
    "symlink to the sibling plugin": ([member(f"{PLUGIN_ID}/other", tarfile.SYMTYPE, linkname="../acme-2.0")],
                                      "points outside the plugin folder"),
    "written through a symlink": ([member(f"{PLUGIN_ID}/here", tarfile.SYMTYPE, linkname="."),
                                   member(f"{PLUGIN_ID}/here/x", data=b"x")],
                                  "member 'acme-1.0/here/x' is written through the symlink 'acme-1.0/here'"),
    "hard link escape": ([member(f"{PLUGIN_ID}/passwd", tarfile.LNKTYPE, linkname="etc/passwd")],
                         "hard link 'acme-1.0/passwd' -> 'etc/passwd' must name a regular file stored before it"),
    "hard link climbing out": ([member(f"{PLUGIN_ID}/passwd", tarfile.LNKTYPE, linkname="../etc/passwd")],
                               "must name a regular file stored before it"),
    "hard link to the plugin folder": ([member(f"{PLUGIN_ID}/self", tarfile.LNKTYPE, linkname=PLUGIN_ID)],
                                       "must name a regular file stored before it"),
    "character device": ([member(f"{PLUGIN_ID}/null", tarfile.CHRTYPE)], "is a device, fifo or other special"),
    "block device": ([member(f"{PLUGIN_ID}/sda", tarfile.BLKTYPE)], "is a device, fifo or other special"),
    "fifo": ([member(f"{PLUGIN_ID}/pipe", tarfile.FIFOTYPE)], "is a device, fifo or other special"),
    "set-user-ID file": ([member(f"{PLUGIN_ID}/run", data=b"#!/bin/sh\n", mode=0o4755)], "set-user-ID"),
    "member twice": ([member(f"{PLUGIN_ID}/entry.py", data=b"import os\n")], "appears twice"),
    "two top-level folders": ([member("other", tarfile.DIRTYPE), member("other/x", data=b"x")],
                              "expected exactly one top-level folder, found acme-1.0, other"),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_packages_are_refused(case):
    extra, message = UNSAFE[case]
    with pytest.raises(ToolchainError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        inspect_package_bytes(tarball(plugin_members() + extra), FILENAME)
    assert caught.value.path == FILENAME


@pytest.mark.parametrize("members, message", [
    (plugin_members("acme-2.0"), "folder 'acme-2.0' and version '0.3' make 'acme-2.0-0.3.tar.bz2'"),
    (plugin_members(info=INFO.replace(b'"0.3"', b'"0.4"')), "folder 'acme-1.0' and version '0.4' make"),
    ([member("acme-1.0-0.3.tar.bz2", data=b"x")], "top-level entry 'acme-1.0-0.3.tar.bz2' is not a folder"),
    ([member("./acme-1.0", tarfile.DIRTYPE), member("./acme-1.0/plugin-info", data=INFO)],
     "member name './acme-1.0' is not in normal form"),
    (plugin_members()[:1] + plugin_members()[2:], "no regular file acme-1.0/plugin-info in the package"),
    (plugin_members(info=INFO.replace(b'"description": "d"', b'"description": 3')),
     "'description' must be a string, not an integer"),
    (plugin_members(info=b"{not json"), "acme-1.0/plugin-info:1: invalid JSON"),
], ids=["top folder not the file name", "version not the file name", "file at the top", "dot top folder",
        "no plugin-info", "invalid plugin-info", "unparsable plugin-info"])
def test_layout_mismatches_are_refused(members, message):
    with pytest.raises(ToolchainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        inspect_package_bytes(tarball(members), FILENAME)


def test_not_a_bzip2_tar_is_refused(tmp_path):
    path = tmp_path / FILENAME
    path.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(ToolchainError, match="not a readable bzip2 tar archive") as caught:
        inspect_package(path)
    assert caught.value.path == str(path)


def test_the_index_builder_refuses_an_unsafe_package_and_indexes_nothing(tmp_path):
    channel = tmp_path / "channel"
    channel.mkdir()
    (channel / FILENAME).write_bytes(tarball(plugin_members()))
    (channel / "evil-1.0.tar.bz2").write_bytes(tarball(plugin_members("evil") + [
        member("evil/etc", tarfile.SYMTYPE, linkname="/etc")]))
    assert build.main(["--db", "--source", str(channel)]) == 1
    assert not (channel / "plugins.db").exists()
    (channel / "evil-1.0.tar.bz2").unlink()
    assert build.main(["--db", "--source", str(channel)]) == 0
    assert list(json.loads((channel / "plugins.db").read_bytes())) == [PLUGIN_ID]


def test_the_build_never_indexes_a_foreign_unsafe_package_in_its_folder(plugins_dir, tmp_path):
    valid_plugin(plugins_dir)
    out = tmp_path / "out"
    (out / "dev").mkdir(parents=True)
    (out / "dev" / "evil-1.0.tar.bz2").write_bytes(tarball([member("evil", tarfile.DIRTYPE),
                                                             member("evil/../../x", data=b"x")]))
    result = build.build(plugins_dir, out, jobs=1, stream=io.StringIO())
    assert [f for f in result.failures if "evil-1.0.tar.bz2" in f and "goes up with '..'" in f]
    assert list(json.loads((out / "dev/plugins.db").read_bytes())) == ["xivo-acme-1.0"]
