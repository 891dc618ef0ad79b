"""DHCP bundles proven on the real ISC dhcpd, live: phones ask for a lease in a private network namespace.

Each bundle is installed the way dhcpd-update does it, next to a Wazo server's own
dhcpd.conf (tests/dhcpd.py); one dhcpd per bundle answers all the phones (tests/dhcplab.py).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from repo.dhcp.bundle import render_bundle, write_bundle
from repo.dhcp.data import load_dhcp_data
from repo.dhcp.importer import apply_import, plan_import
from tests.conftest import ROOT
from tests.dhcpclient import Phone
from tests.dhcpd import HTTP_SERVER_URI, extract_like_dhcpd_update, install_server_conf
from tests.dhcplab import Answer, answers, hardware, namespaces_refused
from tests.handkept_fixture import write_handkept, write_plugins

REFUSED = namespaces_refused()
pytestmark = pytest.mark.skipif(REFUSED is not None, reason=f"the kernel refuses network namespaces here: {REFUSED}")
CONSTRUCTS = ROOT / "tests" / "data" / "handkept_constructs"
POOL = re.compile(r"10\.42\.1\.([0-9]+)")


def in_voip_pool(answer: Answer) -> bool:
    found = POOL.fullmatch(answer.address or "")
    return found is not None and 10 <= int(found.group(1)) <= 250


def installed_bundle(plugins: Path, tmp_path: Path, name: str) -> Path:
    """The bundle `inv dhcp` makes from ``plugins``, extracted and assembled as dhcpd-update does."""
    bundle = write_bundle(render_bundle(load_dhcp_data(plugins), plugins), tmp_path / f"{name}.tar.bz2")
    etc = tmp_path / name
    extract_like_dhcpd_update(bundle, etc)
    return etc


def installed_handkept(folder: Path, tmp_path: Path) -> Path:
    """A hand-kept folder as a server has it: copied into /etc/dhcp, subnet file assembled."""
    etc = tmp_path / "handkept-etc"
    shutil.copytree(folder, etc)
    install_server_conf(etc)
    return etc


def the_answer(answer: Answer) -> tuple:
    """What a phone gets, for comparing two bundles: pool or not, the options that provision it, the BOOT line."""
    return (in_voip_pool(answer), {code: answer.options.get(code) for code in (43, 66, 67, 150)},
            answer.next_server, answer.filename, [line for line in answer.log if "] BOOT " in line])


# --- the project's own Digium bundle ----------------------------------------------------------------

def digium_phones() -> list[tuple[str, str, Phone]]:
    """A phone per model and firmware family of plugins/xivo_digium, as its plugin-info lists them."""
    phones = []
    for info in sorted((ROOT / "plugins" / "xivo_digium").glob("*/plugin-info")):
        for key in json.loads(info.read_text())["capabilities"]:
            _, model, firmware = [part.strip() for part in key.split(",")]
            number = len(phones) + 1
            vendor_class = f"digium_{model}_{firmware.replace('.', '_')}" + ("_48178" if firmware == "1.1.0.0" else "")
            phones.append((model, firmware, Phone(f"00:0f:d3:05:{number:02x}:48", vendor_class.encode())))
    return phones


@pytest.fixture(scope="module")
def digium(tmp_path_factory) -> tuple[list, list[Answer]]:
    tmp_path = tmp_path_factory.mktemp("digium")
    phones = digium_phones()
    unknown = [Phone("5c:26:0a:01:02:03", b"MSFT 5.0"), Phone("5c:26:0a:01:02:04")]
    etc = installed_bundle(ROOT / "plugins", tmp_path, "bundle")
    return phones, answers(etc, [phone for _, _, phone in phones] + unknown)


def test_every_digium_model_and_firmware_gets_provd_from_the_voip_pool(digium):
    phones, got = digium
    assert len(phones) == 10  # 3 models on 1.1.0.0, 7 on 2.8.1
    for (model, firmware, phone), answer in zip(phones, got):
        assert in_voip_pool(answer), (model, firmware, answer)
        assert answer.options[66] == f"{HTTP_SERVER_URI}/Digium", (model, firmware)
        hw = hardware(phone.mac)
        expected = [f"[{hw}] [VENDOR-CLASS-IDENTIFIER: {phone.vendor_class.decode()}]", f"[{hw}] POOL VoIP",
                    f"[{hw}] BOOT Digium {model}"]
        # the seed's three lines, in its order, before dhcpd's own DHCPDISCOVER line
        discover = next(n for n, line in enumerate(answer.log) if line.startswith("DHCPDISCOVER"))
        assert answer.log[:discover] == expected, answer.log
        assert any(line.startswith(f"DHCPACK on {answer.address} to {phone.mac}") for line in answer.log)


def test_an_unknown_device_gets_no_lease_from_the_voip_pool(digium):
    phones, got = digium
    for answer in got[len(phones):]:
        assert answer.address is None, answer
        assert not [line for line in answer.log if "POOL VoIP" in line or "BOOT" in line]
        assert any(line.endswith("no free leases") for line in answer.log), answer.log


# --- hand-kept bundles, imported and regenerated -------------------------------------------------

CONSTRUCT_PHONES = [
    Phone("02:00:00:00:01:01", b"AcmeA10"), Phone("02:00:00:00:01:02", b"Acme A20 fw1"),
    Phone("02:00:00:00:01:03", b"x-A30\0\0"), Phone("02:00:00:00:01:04", b"AcmeA40"),
    Phone("02:00:00:00:01:05", b"AcmeA40-2"), Phone("02:00:00:00:01:06", None, b"AcmeA50"),
    Phone("02:00:00:00:01:07", b"fw-A60"), Phone("00:a0:c1:00:00:01"), Phone("00:a0:c2:00:00:01"),
    Phone("00:a0:c1:00:00:02", b"fw-A60"),
    Phone("02:00:00:00:02:01", b"Bolt B1xx"), Phone("02:00:00:00:02:02", b"Bolt B2"),
    Phone("02:00:00:00:02:03", b"Bolt B3"),
    Phone("02:00:00:00:03:01", b"Corvid C1"), Phone("02:00:00:00:03:02", b"Corvid C1 v2"),
    Phone("02:00:00:00:03:03", b"CRVDC1-x"), Phone("02:00:00:00:03:04", None, b"Corvid-C2"),
    Phone("02:00:00:00:03:05", b"vC2\0\0"),
    Phone("00:d1:0a:00:00:01"), Phone("00:d1:0b:00:00:01"), Phone("00:d1:0c:00:00:01"),
    Phone("02:00:00:00:09:09", b"MSFT 5.0"),
]


def import_and_compare(folder: Path, plugins: Path, phones: list[Phone], tmp_path: Path) -> list[Answer]:
    """Import ``folder`` into ``plugins``, regenerate, and check every phone gets the same answer from both."""
    plan = plan_import(folder, plugins)
    assert plan.refusals == []
    apply_import(plan, force=False)
    before = answers(installed_handkept(folder, tmp_path), phones)
    after = answers(installed_bundle(plugins, tmp_path, "regenerated"), phones)
    for phone, old, new in zip(phones, before, after):
        assert the_answer(new) == the_answer(old), phone
    return before


def test_each_construct_answers_the_same_after_import(tmp_path):
    plugins = tmp_path / "plugins"
    for folder, vendor, model in (("xivo_acme", "Acme", "A10"), ("wazo_bolt", "Bolt", "B1")):
        (plugins / folder / "1.0").mkdir(parents=True)
        (plugins / folder / "build.py").write_text("")
        (plugins / folder / "1.0" / "plugin-info").write_text(
            json.dumps({"capabilities": {f"{vendor}, {model}, 1.0": {}}}))
    got = {phone.mac: answer for phone, answer in
           zip(CONSTRUCT_PHONES, import_and_compare(CONSTRUCTS, plugins, CONSTRUCT_PHONES, tmp_path))}
    # The answers themselves are the hand-kept bundle's, construct by construct.
    assert [mac for mac, answer in got.items() if not in_voip_pool(answer)] == [
        "02:00:00:00:01:07", "02:00:00:00:09:09"]  # AcmeA60 has no allow line; the unknown device
    assert got["00:a0:c1:00:00:02"].options[66] == f"{HTTP_SERVER_URI}/Acme"  # drift covered by a MAC prefix
    assert got["00:a0:c2:00:00:01"].options[66] == HTTP_SERVER_URI
    assert got["02:00:00:00:02:01"].options[43] == f"\x01\x1a{HTTP_SERVER_URI}/Bolt\x02\x04desk"
    assert got["02:00:00:00:02:02"].options[43] == "\x01\x0910.42.1.1"
    assert (got["02:00:00:00:02:02"].options[150], got["02:00:00:00:02:02"].options[67]) == (
        "\x0a\x2a\x01\x01", "bolt-b2.cfg")
    assert (got["02:00:00:00:02:03"].next_server, got["02:00:00:00:02:03"].filename) == (
        "10.42.1.7", "bolt-b3.bin")
    assert got["02:00:00:00:02:03"].options[66] == "10.42.1.1"  # VOIP.tftp-server-name
    assert got["02:00:00:00:03:04"].options[67] == "corvid-uc.cfg" and got["02:00:00:00:03:05"].options[67] == \
        "corvid.cfg"
    assert got["00:d1:0c:00:00:01"].options[66] == f"{HTTP_SERVER_URI}/Dyna/old"  # the group did not apply
    assert f"[{hardware('00:a0:c1:00:00:01')}] BOOT Acme" in got["00:a0:c1:00:00:01"].log
    assert not [line for line in got["00:a0:c1:00:00:02"].log if line.endswith("BOOT Acme")]  # sent option 60


def test_a_24_vendor_hand_kept_folder_answers_every_phone_as_before(tmp_path):
    fixture = write_handkept(tmp_path / "handkept")
    plugins = tmp_path / "plugins"
    write_plugins(plugins)
    before = import_and_compare(tmp_path / "handkept", plugins, fixture.phones, tmp_path)
    assert len(fixture.phones) == 232  # a phone per class (two for classes with alternatives), per MAC prefix
    assert [a.mac for a in before if not in_voip_pool(a)] == fixture.outside_pool  # drift: no allow line
    assert all(a.options.get(66) for a in before if in_voip_pool(a))
