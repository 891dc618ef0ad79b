"""`inv dhcp-import`: a hand-kept folder becomes DHCP data; what cannot be kept is refused at its line."""
from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repo.dhcp.bundle import render_bundle
from repo.dhcp.conf import ConfError, parse, parse_expression, tokenize
from repo.dhcp.data import load_dhcp_data, load_dhcp_file
from repo.dhcp.handkept import read_handkept
from repo.dhcp.importer import plan_import
from repo.errors import ToolchainError
from tests.conftest import ROOT, run_inv, write_tree
from tests.handkept_fixture import write_handkept, write_plugins
from tests.test_dhcp import EVERY_CONSTRUCT, TRICKY

CONSTRUCTS = ROOT / "tests" / "data" / "handkept_constructs"
VOIP_CLASS = 'class "voip-mac-address-prefix" {\n    match substring(hardware, 0, 4);\n}\n'


def plugin(plugins: Path, folder: str, vendor: str, *models: str) -> None:
    write_tree(plugins, {f"{folder}/build.py": "", f"{folder}/1.0/plugin-info": json.dumps(
        {"capabilities": {f"{vendor}, {m}, 1.0": {} for m in models}})})


@pytest.fixture
def plugins(tmp_path: Path) -> Path:
    root = tmp_path / "plugins"
    plugin(root, "xivo_acme", "Acme", "A10", "A20")
    plugin(root, "wazo_bolt", "Bolt", "B1")
    plugin(root, "xivo_bolt", "Bolt", "B0")
    return root


def dhcp_import(tmp_path: Path, source: Path, *options: str):
    return run_inv("dhcp-import", str(source), "--plugins-dir", str(tmp_path / "plugins"), *options, cwd=tmp_path)


def test_the_import_says_what_went_where_and_keeps_comments(plugins, tmp_path):
    source = tmp_path / "handkept"
    shutil.copytree(CONSTRUCTS, source)
    done = dhcp_import(tmp_path, source)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "handkept/dhcpd_update/acme.conf -> plugins/xivo_acme/dhcp.toml (Acme, build plugin xivo_acme: 6 classes, "
        "2 MAC prefixes)",
        "handkept/dhcpd_update/bolt.conf -> plugins/wazo_bolt/dhcp.toml (Bolt, build plugin wazo_bolt: 3 classes, "
        "0 MAC prefixes)",
        "handkept/dhcpd_update/corvid.conf -> plugins/_dhcp/corvid.toml (Corvid, no build plugin: 2 classes, "
        "0 MAC prefixes)",
        "handkept/dhcpd_update/dyna.conf -> plugins/_dhcp/dyna.toml (Dyna, no build plugin: 0 classes, "
        "3 MAC prefixes)",
        'handkept/dhcpd_update/acme.conf:34: warning[dhcp-drift]: class "AcmeA60" is declared but has no allow line '
        "in dhcpd_subnet.conf.middle: its phones get no address from the VoIP pool (imported as pool = false)",
        "note: handkept/dhcpd_update/dyna.conf:15: the group's own statements apply to no class (dhcpd does not "
        "apply a group to subclasses): not imported",
        "note: handkept/dhcpd_update/dyna.conf:18: subclass 1:00:d1:0c is inside a group, which dhcpd does not "
        "apply to subclasses: imported with its own statements only",
        "note: handkept/dhcpd_update/bolt.conf: vendor Bolt also has build plugin(s) xivo_bolt: the data goes to "
        "wazo_bolt and serves them all",
        "imported 4 vendor files: 2 next to build plugins, 2 in plugins/_dhcp/; 1 drift warning (behaviour kept: "
        "the data says so, edit it to change)"]
    acme = (plugins / "xivo_acme" / "dhcp.toml").read_text()
    assert "# the firmware pads option 60 with two NUL bytes\n[[class]]\nmodel = \"A30\"" in acme
    assert 'match = [{ suffix = "A30\\u0000\\u0000" }]' in acme
    assert "# group works on class but not on subclass declarations (isc-dhcpd 4.1)\n[[mac_prefix]]" in acme
    assert "[[class]]\nmodel = \"A60\"\ngroup = \"group-1\"\nmatch = [{ suffix = \"-A60\" }]\npool = false\n" in acme
    corvid = load_dhcp_file(plugins / "_dhcp" / "corvid.toml")
    assert [c.name for c in corvid.classes] == ["Corvid-C1", "CorvidC2"]
    assert corvid.classes[1].statements == (
        'if exists user-class {\n    option bootfile-name "corvid-uc.cfg";\n}\n'
        'else {\n    option bootfile-name "corvid.cfg";\n}',)
    # Nothing is overwritten without --force; a dry run writes nothing.
    before = acme
    done = dhcp_import(tmp_path, source)
    assert done.returncode == 1
    assert done.stderr.strip().endswith(
        "error: 4 files would be replaced: plugins/xivo_acme/dhcp.toml, plugins/wazo_bolt/dhcp.toml, "
        "plugins/_dhcp/corvid.toml, plugins/_dhcp/dyna.toml (--force replaces them; nothing written)")
    (plugins / "_dhcp" / "dyna.toml").unlink()
    done = dhcp_import(tmp_path, source, "--dry-run")
    assert done.returncode == 0 and done.stdout.splitlines()[-1].startswith("dry run: 4 vendor files")
    assert not (plugins / "_dhcp" / "dyna.toml").exists()
    done = dhcp_import(tmp_path, source, "--force")
    assert done.returncode == 0, done.stderr
    assert (plugins / "xivo_acme" / "dhcp.toml").read_text() == before and (plugins / "_dhcp" / "dyna.toml").exists()


def test_drift_of_the_pool_file_is_reported_and_behaviour_kept(tmp_path):
    source = tmp_path / "handkept"
    write_tree(source, {
        "dhcpd_update.conf": VOIP_CLASS + 'include "/etc/dhcp/dhcpd_update/x.conf";\n',
        "dhcpd_update/x.conf": 'class "X1" {\n    match if option vendor-class-identifier = "x1";\n'
                               '    log(info, "BOOT X X1");\n}\n'
                               'subclass "voip-mac-address-prefix" 1:00:01:02 {\n'
                               '    option tftp-server-name = config-option VOIP.http-server-uri;\n}\n',
        "dhcpd_subnet.conf.middle": 'allow members of "X1";\n# gone\nallow members of "X0";\n'})
    handkept = read_handkept(source)
    assert handkept.refusals == []
    assert [(f.line, f.message) for f in handkept.drift] == [
        (None, 'no allow line for "voip-mac-address-prefix": phones known by their MAC prefix get no address from '
               "the VoIP pool (imported as pool = false)"),
        (3, 'allow line for "X0", a class no vendor file declares: dhcpd refuses the whole configuration with '
            "'no such class'; the generated bundle has no such line")]
    [vendor] = handkept.vendors
    assert vendor.data.mac_prefixes[0].pool is False and vendor.data.classes[0].pool is True
    assert vendor.data.classes[0].log == "BOOT X X1" and vendor.data.classes[0].models == ("X1",)
    middle = render_bundle([vendor.data], source)["dhcpd_subnet.conf.middle"].decode()
    assert 'allow members of "X1";' in middle and "voip-mac-address-prefix" not in middle


REFUSED_FOLDER = {
    "dhcpd_update.conf": VOIP_CLASS + (
        'include "/etc/dhcp/dhcpd_update/a.conf";\n'
        'include "/etc/dhcp/dhcpd_update/../../passwd";\n'
        'option domain-name "everyone.example";\n'
        'include "/etc/dhcp/dhcpd_update/b.conf";\n'
        'include "/etc/dhcp/dhcpd_update/missing.conf";\n'),
    "dhcpd_update/a.conf": """\
        option domain-name-servers 10.0.0.1;
        class "A1" {
            match if option vendor-class-identifier = "a" and option user-class = "b";
        }
        class "A2" {
            match option vendor-class-identifier;
        }
        class "A3" {
            match if substring(option vendor-class-identifier, 0, 3) = "abcd";
        }
        class "A4" {
            match if substring(option vendor-class-identifier, 2, 5) = "ab";
        }
        class "A5" {
            match if option host-name = "a5";
        }
        class "A6" {
            match if option vendor-class-identifier = "a6";
            on commit { log("x"); }
        }
        class "A7" {
            match if option vendor-class-identifier = "a7";
            if exists user-class { execute("/bin/sh", "-c", "reboot"); }
        }
        class "A8" {
            log("no match");
        }
        host desk { hardware ethernet 00:01:02:03:04:05; }
        group {
            group { class "A9" { match if option vendor-class-identifier = "a9"; } }
        }
        subclass "voip-mac-address-prefix" 1:00:01 {
            option tftp-server-name "x";
        }
        subclass "other" 1:00:01:02;
        """,
    "dhcpd_update/b.conf": 'class "B1" {\n    match if option vendor-class-identifier = "b1;\n}\n',
    "dhcpd_subnet.conf.middle": 'allow members of "A1";\ndeny unknown-clients;\n',
}


def test_what_cannot_be_imported_is_refused_at_its_line_and_nothing_is_written(plugins, tmp_path):
    source = tmp_path / "handkept"
    write_tree(source, REFUSED_FOLDER)
    done = dhcp_import(tmp_path, source)
    assert done.returncode == 1
    errors = done.stderr.strip().splitlines()
    expected = [
        ("dhcpd_update.conf:5", "include '/etc/dhcp/dhcpd_update/../../passwd': only /etc/dhcp/dhcpd_update/"
                                "<vendor>.conf files can be imported"),
        ("dhcpd_update.conf:6", "'option domain-name \"everyone.example\";' cannot be imported: dhcpd_update.conf "
                                "holds the \"voip-mac-address-prefix\" class and the vendor includes only"),
        ("dhcpd_subnet.conf.middle:2", "'deny unknown-clients;' cannot be imported: the bundle's pool file holds"),
        ("dhcpd_update/a.conf:1", "statement 'option' is not a declaration: a vendor holds only"),
        ("dhcpd_update/a.conf:3", "only equality tests joined by 'or' can be imported"),
        ("dhcpd_update/a.conf:6", "only 'match if <test>;' can be imported (a spawning 'match <data>;' cannot)"),
        ("dhcpd_update/a.conf:9", "substring() of 3 bytes compared with 4 bytes can never match"),
        ("dhcpd_update/a.conf:12", "substring() at 2 of 5 bytes compared with 2 bytes cannot be represented"),
        ("dhcpd_update/a.conf:15", "a test on option host-name cannot be imported"),
        ("dhcpd_update/a.conf:19", "statement 'on' is not allowed in a class, group or MAC prefix"),
        ("dhcpd_update/a.conf:23", "'execute' is not allowed in a DHCP bundle"),
        ("dhcpd_update/a.conf:25", 'class "A8" has 0 match statements: exactly one "match if" can be imported'),
        ("dhcpd_update/a.conf:28", "'host desk {' cannot be imported at the top of a vendor file"),
        ("dhcpd_update/a.conf:30", "a group inside a group cannot be imported"),
        ("dhcpd_update/a.conf:32", "subclass key '1:00:01' is not '1:' and three octets"),
        ("dhcpd_update/a.conf:35", 'only subclasses of "voip-mac-address-prefix" keyed by a MAC prefix'),
        ("dhcpd_update/b.conf:2", "cannot parse: unterminated string"),
        ("dhcpd_update/missing.conf", "missing (or not a regular file)"),
    ]
    assert len(errors) == len(expected) + 1, errors
    for (where, message), line in zip(expected, errors):
        assert line.startswith(f"handkept/{where}: error: "), (where, line)
        assert message in line, (message, line)
    assert errors[-1] == f"error: {len(expected)} statements of {source} cannot be imported (above); nothing written"
    assert sorted(p.name for p in plugins.rglob("*.toml")) == []


@pytest.mark.parametrize("files, message", [
    ({"dhcpd_update/a.conf": "group {" * 40 + "}" * 40}, "blocks nested more than 16 deep"),
    ({"dhcpd_update/a.conf": 'class "A" { match if ' + "(" * 200 + '"a"' + ")" * 200 + ' = "a"; }'},
     "expression nested more than 64 deep"),
    ({"dhcpd_update/a.conf": "# " + "x" * (1 << 20)}, "larger than 1048576 bytes"),
    ({"dhcpd_update/a.conf": 'class "' + "A" * 5000 + '" { }'}, "a string longer than 4096 characters"),
    ({"dhcpd_update/a.conf": "class \x00 { }"}, "unexpected character '\\x00'"),
])
def test_hostile_files_fail_with_one_line(tmp_path, files, message):
    source = tmp_path / "handkept"
    write_tree(source, {"dhcpd_update.conf": 'include "/etc/dhcp/dhcpd_update/a.conf";\n',
                        "dhcpd_subnet.conf.middle": "", **files})
    [refusal] = read_handkept(source).refusals
    assert message in refusal.message and refusal.path.endswith("a.conf")


def test_a_vendor_file_that_is_a_symlink_is_not_followed(tmp_path):
    source = tmp_path / "handkept"
    write_tree(source, {"dhcpd_update.conf": 'include "/etc/dhcp/dhcpd_update/a.conf";\n',
                        "dhcpd_subnet.conf.middle": "", "secret.conf": 'class "S" { }'})
    (source / "dhcpd_update").mkdir()
    (source / "dhcpd_update" / "a.conf").symlink_to(source / "secret.conf")
    [refusal] = read_handkept(source).refusals
    assert refusal.message == "missing (or not a regular file)"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list('abc =;{}()"\\#\n,x0:1.-!~&|') + [" or ", " and ", " not ", "if "]),
                max_size=120).map("".join))
def test_the_parser_fails_only_with_its_own_error(text):
    try:
        statements, _ = parse(text, "fuzz.conf")
        for statement in statements:
            parse_expression(statement.head, "fuzz.conf", statement.line)
    except ConfError as exc:
        assert exc.path == "fuzz.conf" and "\n" not in exc.message


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_the_tokenizer_takes_any_bytes(data):
    try:
        tokenize(data.decode("latin-1"), "fuzz.conf")
    except ConfError:
        pass


def test_the_bundle_we_generate_imports_back_to_the_same_bundle(tmp_path):
    """Our own output is a hand-kept folder too: importing it and regenerating gives the same configuration."""
    original = tmp_path / "original"
    write_tree(original, {"quote/build.py": "", "quote/dhcp.toml": TRICKY, "_dhcp/every.toml": EVERY_CONSTRUCT})
    shutil.copytree(ROOT / "plugins" / "xivo_digium", original / "xivo_digium")
    files = render_bundle(load_dhcp_data(original), original)
    source = tmp_path / "extracted"
    for name, data in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    (tmp_path / "plugins").mkdir()
    done = dhcp_import(tmp_path, source)
    assert done.returncode == 0, done.stderr
    again = render_bundle(load_dhcp_data(tmp_path / "plugins"), tmp_path / "plugins")

    def configuration(text: bytes) -> list[str]:
        return [line for line in text.decode().splitlines() if not line.startswith("#")]
    assert again.keys() == files.keys()
    for name in files:
        assert configuration(again[name]) == configuration(files[name]), name


def test_a_24_vendor_folder_is_imported_with_its_drift(tmp_path):
    source = tmp_path / "handkept"
    fixture = write_handkept(source)
    assert (fixture.classes, fixture.subclasses, fixture.conditional_logs, len(fixture.drift)) == (140, 70, 45, 21)
    lines = sum(len(path.read_text().splitlines()) for path in source.rglob("*.conf*"))
    assert 1100 < lines < 1400
    write_plugins(tmp_path / "plugins")
    plan = plan_import(source, tmp_path / "plugins")
    assert plan.refusals == []
    assert sum(1 for p in plan.placements if p.plugin) == 14
    assert sum(1 for p in plan.placements if p.plugin is None) == 10
    assert sorted(f.message.split('"')[1] for f in plan.drift) == sorted(fixture.drift)
    assert all(f.code == "dhcp-drift" and f.line for f in plan.drift)
    done = dhcp_import(tmp_path, source)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == ("imported 24 vendor files: 14 next to build plugins, 10 in "
                                            "plugins/_dhcp/; 21 drift warnings (behaviour kept: the data says so, "
                                            "edit it to change)")
    done = run_inv("dhcp", "--plugins-dir", str(tmp_path / "plugins"), "--build-dir", str(tmp_path / "out"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("24 vendor(s), 140 class(es), 70 MAC prefix(es)\n")
    with tarfile.open(tmp_path / "out" / "dhcpd.tar.bz2") as tar:
        middle = tar.extractfile("dhcpd_subnet.conf.middle").read().decode()
    assert middle.count("allow members of") == 140 - 21 + 1


def test_data_clashing_with_the_tree_is_refused(plugins, tmp_path):
    write_tree(plugins, {"_dhcp/zeta.toml": 'vendor = "Zeta"\n[[class]]\nname = "AcmeA10"\n'
                                           'match = [{ exact = "z" }]\n'})
    plan = plan_import(CONSTRUCTS, plugins)
    [refusal] = plan.refusals
    assert "after the import: class name 'AcmeA10' is used by vendor" in refusal.message


def test_not_a_folder(tmp_path):
    with pytest.raises(ToolchainError, match="not a folder"):
        plan_import(tmp_path / "nope", tmp_path)
