"""The DHCP bundle: data files, generated dhcpd configuration checked by the real dhcpd."""
from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from repo.dhcp.bundle import render_bundle, write_bundle
from repo.dhcp.data import (
    DhcpClass,
    VendorDhcp,
    load_dhcp_data,
    load_dhcp_file,
    models_without_class,
)
from repo.errors import ToolchainError
from tests.conftest import ROOT, run_inv, write_tree
from tests.dhcpd import dhcpd_check, extract_like_dhcpd_update

DIGIUM_MODELS = {"D40", "D45", "D50", "D60", "D62", "D65", "D70"}

TRICKY = r"""
vendor = "Quo\"te \\ Phones"
provd_path = "/Quote"

[[class]]
name = "Quo\"te\\Desk"
model = "Q\"1"
vendor_class_prefix = "quo\"te\\q1"

[[class]]
model = "Q2"
mac_prefixes = ["00:0F:D3", "00:1a"]
"""


@pytest.fixture
def plugins(tmp_path: Path) -> Path:
    root = tmp_path / "plugins"
    shutil.copytree(ROOT / "plugins" / "xivo_digium", root / "xivo_digium",
                    ignore=shutil.ignore_patterns("_build", "__pycache__"))
    (root / "xivo_digium" / "build.py").touch()
    write_tree(root, {"quote/build.py": "", "quote/dhcp.toml": TRICKY})
    return root


def bundle_from(plugins: Path, dest: Path) -> Path:
    return write_bundle(render_bundle(load_dhcp_data(plugins), plugins), dest)


def test_digium_data_has_one_class_per_supported_model():
    digium = load_dhcp_file(ROOT / "plugins" / "xivo_digium" / "dhcp.toml")
    assert digium.models() == DIGIUM_MODELS
    assert {c.name: c.vendor_class_prefix for c in digium.classes} == {f"Digium{m}": f"digium_{m}" for m in
                                                                       DIGIUM_MODELS}


def test_bundle_is_accepted_by_dhcpd(plugins, tmp_path):
    bundle = bundle_from(plugins, tmp_path / "dhcpd.tar.bz2")
    etc = tmp_path / "etc-dhcp"
    extract_like_dhcpd_update(bundle, etc)
    done = dhcpd_check(etc)
    assert done.returncode == 0, done.stderr
    digium = (etc / "dhcpd_update" / "digium.conf").read_text()
    for model in DIGIUM_MODELS:
        assert f'class "Digium{model}" {{' in digium
        assert f'match if substring(option vendor-class-identifier, 0, 10) = "digium_{model}";' in digium
        assert f'log(info, "BOOT Digium {model}");' in digium
    assert 'option tftp-server-name = concat(config-option VOIP.http-server-uri, "/Digium");' in digium
    quote = (etc / "dhcpd_update" / "quo-te-phones.conf").read_text()
    assert 'class "Quo\\"te\\\\Desk"' in quote
    assert "substring(hardware, 1, 3) = 00:0f:d3 or substring(hardware, 1, 2) = 00:1a" in quote
    middle = (etc / "dhcpd_subnet.conf.middle").read_text().splitlines()
    assert [line for line in middle if not line.startswith("#")] == \
        [f'allow members of "Digium{m}";' for m in sorted(DIGIUM_MODELS)] + \
        ['allow members of "Quo\\"te\\\\Desk";', 'allow members of "Quo\\"te \\\\ PhonesQ2";']
    includes = (etc / "dhcpd_update.conf").read_text()
    assert 'include "/etc/dhcp/dhcpd_update/digium.conf";' in includes
    assert 'include "/etc/dhcp/dhcpd_update/quo-te-phones.conf";' in includes


def test_dhcpd_check_fails_on_a_broken_file(plugins, tmp_path):
    """The harness itself must be able to fail: an unescaped quote breaks dhcpd's parse."""
    etc = tmp_path / "etc-dhcp"
    extract_like_dhcpd_update(bundle_from(plugins, tmp_path / "dhcpd.tar.bz2"), etc)
    conf = etc / "dhcpd_update" / "quo-te-phones.conf"
    conf.write_text(conf.read_text().replace('"Quo\\"te\\\\Desk"', '"Quo"te\\Desk"'))
    assert dhcpd_check(etc).returncode != 0


BROKEN_RULES = [
    ("mac_prefixes = [\"00:0f:zz\"]", "mac_prefixes must be a list of MAC prefixes", DhcpClass(
        "AcmeX", "X", None, ("00:0f:zz",))),
    ("", "needs vendor_class_prefix or mac_prefixes to match anything", DhcpClass("AcmeX", "X", None, ())),
]


@pytest.mark.parametrize("rule, message, unchecked", BROKEN_RULES)
def test_broken_rule_is_caught_before_dhcpd(tmp_path, rule, message, unchecked):
    data = tmp_path / "plugins" / "acme" / "dhcp.toml"
    write_tree(tmp_path / "plugins", {"acme/build.py": "",
                                      "acme/dhcp.toml": f'vendor = "Acme"\nprovd_path = "/Acme"\n\n[[class]]\n'
                                                        f'model = "X"\n{rule}\n'})
    with pytest.raises(ToolchainError, match=message) as caught:
        load_dhcp_file(data)
    assert caught.value.path == str(data) and caught.value.line == (6 if rule else 4)
    # The same rule, had it slipped through, is one dhcpd refuses.
    vendor = VendorDhcp("Acme", "/Acme", (unchecked,), data)
    bundle = write_bundle(render_bundle([vendor], tmp_path / "plugins"), tmp_path / "dhcpd.tar.bz2")
    extract_like_dhcpd_update(bundle, tmp_path / "etc-dhcp")
    assert dhcpd_check(tmp_path / "etc-dhcp").returncode != 0


@pytest.mark.parametrize("text, message, line", [
    ('vendor = "Acme"\nprovd_path = "/Acme"\n[[class]]\nmodel = "X"\n', "needs vendor_class_prefix or mac_prefixes",
     3),
    ('vendor = "Acme"\n[[class]]\nmodel = "X"\nvendor_class_prefix = "x"\n', "missing required key 'provd_path'",
     None),
    ('vendor = "Acme"\nprovd_path = "Acme"\n[[class]]\nmodel = "X"\nvendor_class_prefix = "x"\n',
     "provd_path must be a URL path", 2),
    ('vendor = "Acme"\nprovd_path = "/Acme"\n', "at least one [[class]] is required", None),
    ('vendor = "Acme"\nprovd_path = "/Acme"\ncolour = 1\n[[class]]\nmodel = "X"\nvendor_class_prefix = "x"\n',
     "unknown key 'colour'", 3),
    ('vendor = "Acme"\nprovd_path = "/Acme"\n[[class]]\nmodel = "X"\nvendor_class_prefix = "x"\n'
     '[[class]]\nmodel = "X"\nvendor_class_prefix = "y"\n', "class name 'AcmeX' is used twice", None),
    ('vendor = "Acme"\nprovd_path = "/Acme\n', "invalid TOML", 2),
    ('vendor = "Acme"\nprovd_path = "/Acme"\n[[class]]\nvendor_class_prefix = "x"\n', "needs a name or a model", 3),
    ('vendor = "Acme"\nprovd_path = "/Acme"\n[[class]]\nmodel = "Zoë"\nvendor_class_prefix = "x"\n',
     "model must be non-empty printable ASCII", 4),
])
def test_data_file_errors_name_file_and_line(tmp_path, text, message, line):
    path = tmp_path / "dhcp.toml"
    path.write_text(text)
    with pytest.raises(ToolchainError) as caught:
        load_dhcp_file(path)
    assert message in str(caught.value)
    assert caught.value.path == str(path) and caught.value.line == line


def test_models_without_class():
    digium = load_dhcp_file(ROOT / "plugins" / "xivo_digium" / "dhcp.toml")
    assert models_without_class(digium, ["D40", "D70", "D80"]) == ["D80"]
    assert models_without_class(None, ["D40"]) == ["D40"]


def test_bundle_is_reproducible_and_safe(plugins, tmp_path, monkeypatch):
    first = bundle_from(plugins, tmp_path / "a" / "dhcpd.tar.bz2")
    for path in plugins.rglob("*"):
        path.touch()
    second = bundle_from(plugins, tmp_path / "b" / "dhcpd.tar.bz2")
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["dhcpd_subnet.conf.middle", "dhcpd_update", "dhcpd_update/digium.conf",
                                         "dhcpd_update/quo-te-phones.conf", "dhcpd_update.conf"]
    for member in members:
        assert (member.uid, member.gid, member.uname, member.gname, member.mtime) == (0, 0, "", "", 0)
        assert member.mode == (0o755 if member.isdir() else 0o644)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    third = bundle_from(plugins, tmp_path / "c" / "dhcpd.tar.bz2")
    assert {m.mtime for m in tarfile.open(third).getmembers()} == {1700000000}



def test_inv_dhcp_writes_the_bundle_or_one_error_line(plugins, tmp_path):
    done = run_inv("dhcp", "--plugins-dir", str(plugins), "--build-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "dhcpd.tar.bz2").is_file()
    assert "2 vendor(s), 9 class(es)" in done.stdout
    (plugins / "quote" / "dhcp.toml").write_text(TRICKY.replace('"00:1a"', '"0:1a"'))
    before = (tmp_path / "out" / "dhcpd.tar.bz2").read_bytes()
    done = run_inv("dhcp", "--plugins-dir", str(plugins), "--build-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"error: {plugins / 'quote' / 'dhcp.toml'}:12: [[class]] #2: mac_prefixes must be "
                                   'a list of MAC prefixes like "00:0f:d3"')
    assert (tmp_path / "out" / "dhcpd.tar.bz2").read_bytes() == before
