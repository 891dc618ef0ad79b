"""Tiny hostile packages that expand, multiply or loop: refused in bounded time and memory, each with one line.

The bounds are documented maxima (README "Limits"), raised through ``PROVD_MAX_*``
environment variables. A guard stops a test that would hang; speed itself is measured
in bench/, not here.
"""
from __future__ import annotations

import bz2
import contextlib
import signal
import tarfile
from pathlib import Path

import pytest

from repo.errors import ToolchainError
from repo.package.checks import inspect_package, inspect_package_bytes
from repo.package.limits import ALL, GiB, MiB
from tests.tarballs import (
    FILENAME,
    PLUGIN_ID,
    compressed_zeros,
    member,
    plugin_members,
    streamed_member,
    streamed_package,
    tar_bytes,
    tarball,
)

P = PLUGIN_ID


@contextlib.contextmanager
def guard(seconds: int = 120):
    """Fail instead of hanging: the attacks this file replays used to take hours."""
    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refused(data: bytes, message: str, **kwargs) -> None:
    with guard(), pytest.raises(ToolchainError) as caught:
        inspect_package_bytes(data, FILENAME, **kwargs)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{FILENAME}: ") and "\n" not in str(caught.value)


def test_a_firmware_sized_member_is_accepted():
    data = streamed_package(streamed_member(f"{P}/firmware.bin", 256 * MiB))
    assert len(data) < 2000
    with guard():
        package = inspect_package_bytes(data, FILENAME)
    assert package.plugin_id == P and package.dsize == len(data)


def test_a_member_larger_than_the_limit_is_refused_from_its_header():
    data = streamed_package(streamed_member(f"{P}/firmware.bin", 2048 * MiB))
    assert len(data) < 5000
    refused(data, f"member '{P}/firmware.bin' holds 2.0 GiB; the limit is 512.0 MiB (PROVD_MAX_MEMBER_SIZE)")


def test_a_package_expanding_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setenv("PROVD_MAX_EXPANDED_SIZE", str(48 * MiB))
    monkeypatch.setenv("PROVD_MAX_MEMBER_SIZE", str(32 * MiB))
    members = [member(f"{P}/f{i}", data=bytes(20 * MiB)) for i in range(3)]
    refused(tarball(plugin_members() + members), "expands to more than 48.0 MiB (PROVD_MAX_EXPANDED_SIZE)")


def test_zeros_after_the_end_of_the_archive_count_too(monkeypatch):
    monkeypatch.setenv("PROVD_MAX_EXPANDED_SIZE", str(16 * MiB))
    refused(tarball(plugin_members()) + compressed_zeros(64 * MiB), "(PROVD_MAX_EXPANDED_SIZE)")


def test_data_after_the_end_of_the_archive_is_refused():
    refused(tarball(plugin_members()) + bz2.compress(tar_bytes([member(f"{P}/hidden", data=b"x")])),
            "data after the end of the archive")
    refused(tarball(plugin_members()) + b"garbage", "not a readable bzip2 tar archive")


def test_packages_with_too_many_members_are_refused(monkeypatch):
    monkeypatch.setenv("PROVD_MAX_MEMBERS", "100")
    members = [member(f"{P}/f{i}") for i in range(100)]
    inspect_package_bytes(tarball(plugin_members() + members[:97]), FILENAME)
    refused(tarball(plugin_members() + members), "more than 100 members (PROVD_MAX_MEMBERS)")


def test_long_names_and_link_targets_are_refused(monkeypatch):
    refused(tarball(plugin_members() + [member(f"{P}/" + "a/" * 600 + "x", data=b"x")]),
            "is longer than 1024 bytes (PROVD_MAX_NAME_LENGTH)")
    refused(tarball(plugin_members() + [member(f"{P}/l", tarfile.SYMTYPE, linkname="a/" * 600)]),
            f"the target of symlink '{P}/l' is longer than 1024 bytes (PROVD_MAX_NAME_LENGTH)")
    monkeypatch.setenv("PROVD_MAX_NAME_LENGTH", "20")
    refused(tarball(plugin_members() + [member(f"{P}/abcdefghijklmnop", data=b"x")]), "longer than 20 bytes")


def test_a_huge_extended_header_is_refused_before_it_is_read():
    big = member(f"{P}/x", data=b"x")
    big[0].pax_headers = {"comment": "c" * (4 * MiB)}
    refused(tarball(plugin_members() + [big], tarfile.PAX_FORMAT), "extended tar header of 4.0 MiB")


@pytest.mark.parametrize("step, last", [("{0}/{0}", member(f"{P}/L36", tarfile.SYMTYPE, linkname=".")),
                                        ("{0}/../{0}", member(f"{P}/L36", tarfile.DIRTYPE))])
def test_doubling_symlink_chains_are_refused_at_once(step, last):
    """Each link names the next twice: naive resolution doubles its work per link; the kernel gives up at 40."""
    links = [member(f"{P}/L{i}", tarfile.SYMTYPE, linkname=step.format(f"L{i + 1}")) for i in range(36)]
    data = tarball(plugin_members() + links + [last])
    assert len(data) < 1000
    refused(data, f"symlink '{P}/L0' -> {step.format('L1')!r} needs more than 40 symlinks to resolve (a loop?)")


def test_symlink_resolution_work_is_bounded(monkeypatch):
    monkeypatch.setenv("PROVD_MAX_LINK_STEPS", "1000")
    chain = [member(f"{P}/c{i}", tarfile.SYMTYPE, linkname=f"c{i + 1}") for i in range(30)]
    many = [member(f"{P}/m{i}", tarfile.SYMTYPE, linkname="c0/" + "x/" * 20) for i in range(100)]
    refused(tarball(plugin_members() + chain + many),
            "symlinks need more than 1000 resolution steps (PROVD_MAX_LINK_STEPS)")


def test_the_index_size_bounds_what_is_read(tmp_path):
    data = tarball(plugin_members())
    path = tmp_path / FILENAME
    path.write_bytes(data + bytes(10 * MiB))
    with pytest.raises(ToolchainError, match=f"larger than the {len(data)} bytes its index entry says"):
        inspect_package(path, dsize=len(data))
    with pytest.raises(ToolchainError, match="smaller than the"):
        inspect_package_bytes(data, FILENAME, dsize=len(data) + 1)


def test_the_package_size_is_bounded(monkeypatch, tmp_path):
    monkeypatch.setenv("PROVD_MAX_PACKAGE_SIZE", "1000")
    data = tarball(plugin_members() + [member(f"{P}/noise", data=bytes(range(256)) * 40)])
    refused(data, "is larger than 1000 bytes (PROVD_MAX_PACKAGE_SIZE)")


def test_files_the_checks_parse_are_bounded(monkeypatch):
    monkeypatch.setenv("PROVD_MAX_PARSED_FILE_SIZE", str(MiB))
    entry = b"class Plugin:\n    IS_PLUGIN = True\n" + b"x = 1\n" * (MiB // 6 + 1)
    refused(tarball(plugin_members(entry=entry)),
            f"'{P}/entry.py' holds 1.0 MiB; the checks parse files of at most 1.0 MiB (PROVD_MAX_PARSED_FILE_SIZE)")
    refused(tarball(plugin_members(info=b'{"version": "0.3", "description": "' + b"d" * MiB + b'"}')),
            f"'{P}/plugin-info' holds 1.0 MiB")


@pytest.mark.parametrize("value", ["many", "-1", "0", ""])
def test_a_malformed_limit_is_a_one_line_error(monkeypatch, value):
    monkeypatch.setenv("PROVD_MAX_MEMBERS", value)
    with pytest.raises(ToolchainError, match="PROVD_MAX_MEMBERS must be a positive whole number of members"):
        inspect_package_bytes(tarball(plugin_members()), FILENAME)


def test_the_readme_documents_every_limit_with_its_default():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for limit in ALL:
        value = limit.default
        shown = (f"{value // GiB} GiB" if value % GiB == 0 else f"{value // MiB} MiB" if value % MiB == 0
                 else f"{value:,}")
        assert f"| {shown} | `{limit.variable}` |" in readme, limit.variable
