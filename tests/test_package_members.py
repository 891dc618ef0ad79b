"""Member names and kinds judged by what plain ``tarfile.extractall`` would really write.

Each attack is a crafted tarball; where it matters the test first shows that provd's
extraction (no filter) really lands outside the plugin folder or replaces a checked file.
"""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from repo.errors import ToolchainError
from repo.package.archive import check_archive_bytes
from repo.package.checks import inspect_package_bytes
from tests.tarballs import FILENAME, INFO, PLUGIN_ID, member, plugin_members, tarball

P = PLUGIN_ID
DIR, SYM, LNK = tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE


def extract_as_provd(data: bytes, root: Path) -> None:
    """What provd does with a package: extractall, no member filtering."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(root, filter="fully_trusted")


def refused(data: bytes, message: str) -> ToolchainError:
    with pytest.raises(ToolchainError) as caught:
        inspect_package_bytes(data, FILENAME)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{FILENAME}: ") and "\n" not in str(caught.value)
    return caught.value


def test_a_dot_segment_symlink_cannot_hide_from_link_resolution(tmp_path):
    data = tarball(plugin_members() + [member(f"{P}/./s", SYM, linkname="."),
                                       member(f"{P}/t", SYM, linkname="s/s/s/s/s/../../../../..")])
    root = tmp_path / "a/b/c/d/plugins"
    root.mkdir(parents=True)
    extract_as_provd(data, root)
    assert (root / P / "t").resolve() == root.parents[3]  # five levels above the plugin folder
    refused(data, f"member name '{P}/./s' is not in normal form (extraction writes '{P}/s')")


def test_a_file_written_through_a_symlink_by_a_dot_segment_is_refused(tmp_path):
    data = tarball(plugin_members() + [member(f"{P}/var", DIR, mode=0o755), member(f"{P}/t", SYM, linkname="var"),
                                       member(f"{P}/./t/etc/cron.d/evil", data=b"* * * * * root true\n")])
    extract_as_provd(data, tmp_path)
    assert (tmp_path / P / "var/etc/cron.d/evil").exists()  # written through the symlink
    refused(data, f"member name '{P}/./t/etc/cron.d/evil' is not in normal form")


@pytest.mark.parametrize("name", [f"{P}/./plugin-info", f"{P}//plugin-info", f"{P}/plugin-info/"])
def test_a_second_plugin_info_cannot_replace_the_checked_one(tmp_path, name):
    other = INFO.replace(b'"d"', b'"replaced"')
    data = tarball(plugin_members() + [member(name, data=other)])
    extract_as_provd(data, tmp_path)
    assert (tmp_path / P / "plugin-info").read_bytes() == other  # provd would install the other one
    refused(data, f"member name {name!r} is not in normal form (extraction writes '{P}/plugin-info')")


@pytest.mark.parametrize("members, message", [
    ([member(f"{P}//entry.py", data=b"import os\n")], f"member name '{P}//entry.py' is not in normal form"),
    ([member(f"{P}/./entry.py", SYM, linkname="plugin-info")], "is not in normal form"),
    ([member(f"./{P}/x", data=b"x")], f"member name './{P}/x' is not in normal form"),
    ([member(f"{P}/x/.", DIR)], "is not in normal form"),
    ([member("", data=b"x")], "a member has an empty name"),
    ([member(f"{P}/../x", data=b"x")], "goes up with '..'"),
    ([member(f"/{P}/x", data=b"x")], "absolute member path"),
    ([member(f"{P}/cron\x1b[2J", data=b"x")], r"member name 'acme-1.0/cron\x1b[2J' contains a control character"),
    ([member(f"{P}/a\nb", data=b"x")], "contains a control character"),
    ([member(f"{P}/\udcff", data=b"x")], "is not valid UTF-8"),
    ([member(f"{P}/" + "a" * 256, data=b"x")], "has a segment longer than 255 bytes"),
], ids=["double slash", "symlink over a checked file", "leading dot", "trailing dot", "empty name", "dot-dot",
        "absolute", "escape character", "newline", "not UTF-8", "segment too long"])
def test_names_not_in_normal_form_are_refused(members, message):
    refused(tarball(plugin_members() + members), message)


def test_a_nul_in_a_pax_name_is_refused():
    nul = member(f"{P}/a", data=b"x")
    nul[0].pax_headers = {"path": f"{P}/a\x00b"}
    data = tarball(plugin_members() + [nul], tarfile.PAX_FORMAT)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert f"{P}/a\x00b" in tar.getnames()  # extractall would fail half-way with a ValueError
    refused(data, "contains a control character")


@pytest.mark.parametrize("members, message", [
    # a symlink replaced by a file: the file's content would be written wherever the link points
    ([member(f"{P}/s", SYM, linkname="entry.py"), member(f"{P}/s", data=b"x")], "appears twice"),
    # a file replaced by a symlink: the checked file disappears
    ([member(f"{P}/entry.py", SYM, linkname="plugin-info")], f"member '{P}/entry.py' appears twice"),
    # a folder (made implicitly by earlier members) replaced by a symlink, a file, or the other way round
    ([member(f"{P}/d/x", data=b"x"), member(f"{P}/d", SYM, linkname=".")],
     f"member '{P}/d' replaces the folder that earlier members were written into"),
    ([member(f"{P}/d/x", data=b"x"), member(f"{P}/d", data=b"x")], "replaces the folder"),
    ([member(f"{P}/f", data=b"x"), member(f"{P}/f/x", data=b"x")],
     f"member '{P}/f/x' is written inside the file '{P}/f'"),
    ([member(f"{P}/d", DIR), member(f"{P}/d", DIR)], f"member '{P}/d' appears twice"),
    ([member(f"{P}/s", SYM, linkname="."), member(f"{P}/s/x", data=b"x")],
     f"member '{P}/s/x' is written through the symlink '{P}/s'"),
    ([member(f"{P}/s", SYM, linkname="."), member(f"{P}/s/d", DIR)], "is written through the symlink"),
], ids=["file over symlink", "symlink over file", "symlink over folder", "file over folder", "file under file",
        "folder twice", "file through symlink", "folder through symlink"])
def test_members_replacing_or_written_through_others_are_refused(members, message):
    refused(tarball(plugin_members() + members), message)


@pytest.mark.parametrize("members, message", [
    ([member(f"{P}/h", LNK, linkname=f"{P}/later"), member(f"{P}/later", data=b"x")],
     f"hard link '{P}/h' -> '{P}/later' must name a regular file stored before it"),
    ([member(f"{P}/s", SYM, linkname="."), member(f"{P}/h", LNK, linkname=f"{P}/s/entry.py")],
     "must name a regular file stored before it"),
    ([member(f"{P}/h", LNK, linkname=f"{P}/./entry.py")], "must name a regular file stored before it"),
    ([member(f"{P}/s", SYM, linkname="entry.py"), member(f"{P}/h", LNK, linkname=f"{P}/s")],
     "must name a regular file stored before it"),
    ([member(f"{P}/d", DIR), member(f"{P}/h", LNK, linkname=f"{P}/d")], "must name a regular file stored before it"),
    ([member(f"{P}/h", LNK, linkname="etc/passwd")], "must name a regular file stored before it"),
    ([member(f"{P}/h", LNK, linkname="/etc/passwd")], "must name a regular file stored before it"),
    ([member(f"{P}/h", LNK, linkname=f"{P}/../../etc/passwd")], "must name a regular file stored before it"),
], ids=["forward reference", "through a symlink", "not normal", "to a symlink", "to a folder", "outside",
        "absolute", "climbing out"])
def test_hard_links_must_name_an_earlier_regular_file(members, message):
    refused(tarball(plugin_members() + members), message)


def test_a_hard_link_to_a_member_replaced_later_is_refused(tmp_path):
    data = tarball(plugin_members() + [member(f"{P}/h", LNK, linkname=f"{P}/entry.py"),
                                       member(f"{P}/./entry.py", data=b"import os\n")])
    refused(data, "is not in normal form")


@pytest.mark.parametrize("members, message", [
    ([member(f"{P}/null", tarfile.CHRTYPE)], "is a device, fifo or other special file"),
    ([member(f"{P}/fifo", tarfile.FIFOTYPE)], "is a device, fifo or other special file"),
    ([member(f"{P}/v", tarfile.GNUTYPE_SPARSE, data=b"")], f"member '{P}/v' is a sparse file"),
    ([member(f"{P}/x", b"Z", data=b"")], "is a device, fifo or other special file"),
    ([member(f"{P}/run", data=b"x", mode=0o2755)], "set-user-ID or set-group-ID"),
    ([member(f"{P}/d", DIR, mode=0o4755)], "set-user-ID or set-group-ID"),
    ([member(f"{P}/x", data=b"x", mode=0o666)], f"member '{P}/x' is writable by everyone"),
    ([member(f"{P}/d", DIR, mode=0o777)], f"member '{P}/d' is writable by everyone"),
], ids=["device", "fifo", "sparse", "unknown type", "set-group-ID", "set-user-ID folder", "world-writable file",
        "world-writable folder"])
def test_special_kinds_and_modes_are_refused(members, message):
    refused(tarball(plugin_members() + members), message)


def test_symlinks_may_point_anywhere_inside_the_plugin_folder():
    data = tarball(plugin_members() + [
        member(f"{P}/templates", DIR, mode=0o755), member(f"{P}/templates/base.tpl", data=b"<config/>"),
        member(f"{P}/templates/up", SYM, linkname="../entry.py/"),
        member(f"{P}/self", SYM, linkname="."), member(f"{P}/here", SYM, linkname="./templates//base.tpl"),
        member(f"{P}/via", SYM, linkname="self/self/templates/../entry.py"),
        member(f"{P}/dangling", SYM, linkname="var/not/yet"),
        member(f"{P}/same.py", LNK, linkname=f"{P}/entry.py"),
    ])
    assert inspect_package_bytes(data, FILENAME).plugin_id == P


@pytest.mark.parametrize("target", ["..", "self/..", "self/self/../../x", f"../{P}/entry.py", "/etc", "",
                                    "loop1", "templates/../../x"])
def test_symlinks_leaving_the_plugin_folder_at_any_step_are_refused(target):
    data = tarball(plugin_members() + [member(f"{P}/self", SYM, linkname="."),
                                       member(f"{P}/loop1", SYM, linkname="loop2"),
                                       member(f"{P}/loop2", SYM, linkname="loop1"),
                                       member(f"{P}/x", SYM, linkname=target)])
    error = refused(data, f"symlink '{P}/")
    assert "points outside the plugin folder" in str(error) or "loop" in str(error)


def test_the_dhcp_bundle_follows_the_same_name_rules():
    ok = tarball([member("dhcpd_update.conf", data=b"x"), member("dhcpd_update", DIR),
                  member("dhcpd_update/acme.conf", data=b"x")])
    assert check_archive_bytes(ok, "dhcpd.tar.bz2") == ["dhcpd_update.conf", "dhcpd_update", "dhcpd_update/acme.conf"]
    for members in ([member("./dhcpd_update.conf", data=b"x")],
                    [member("l", SYM, linkname="."), member("./l/x", data=b"x")],
                    [member("dhcpd_update.conf", data=b"x"), member("dhcpd_update.conf/", data=b"y")]):
        with pytest.raises(ToolchainError, match="is not in normal form") as caught:
            check_archive_bytes(tarball(members), "dhcpd.tar.bz2")
        assert caught.value.path == "dhcpd.tar.bz2"
