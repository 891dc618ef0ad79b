"""DHCP data and the bundle made from it: every construct, checked by us first and by the real dhcpd -t."""
from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from repo.dhcp.bundle import render_bundle, write_bundle
from repo.dhcp.data import (
    MatchRule,
    load_dhcp_data,
    load_dhcp_file,
    models_without_class,
)
from repo.errors import ToolchainError
from tests.conftest import ROOT, run_inv, write_tree
from tests.dhcpd import dhcpd_check, extract_like_dhcpd_update

DIGIUM_MODELS = {"D40", "D45", "D50", "D60", "D62", "D65", "D70"}
HW_LOG = 'log(concat("[", binary-to-ascii(16, 8, ":", hardware), "] ", "{}"));'

TRICKY = r"""
vendor = "Quo\"te \\ Phones"
provd_path = "/Quote"

[[class]]
name = "Quo\"te\\Desk"
model = "Q\"1"
vendor_class_prefix = "quo\"te\\q1"

[[class]]
model = "Q2"
match = [{ exact = "q2\u0000\u00ff" }]
log = "BOOT \"Quote\" \\ Q2"

[[mac_prefix]]
prefix = "00:0F:D3"
models = ["Q2"]
"""

# Every construct of the data format (real-world.md section 6), in one vendor.
EVERY_CONSTRUCT = r"""
vendor = "Every"
provd_path = "/Every"
declarations = [
    "option space EVERY;",
    "option EVERY.url code 1 = text;",
    "option option-150 code 150 = ip-address;",
]

[[group]]
name = "tftp"
provd_server = "tftp"
statements = ["option domain-name-servers 10.42.1.53, 10.42.1.54;"]

[[group]]
name = "plain"
provd_path = ""

[[class]]
model = "E1"
match = [{ exact = "Every E1" }]

[[class]]
model = "E2"
group = "tftp"
match = [{ prefix = "Every-E2" }, { suffix = "E2\u0000" }, { substring = "E2", offset = 6 }]
statements = [
    "vendor-option-space EVERY;",
    'option EVERY.url = concat(config-option VOIP.http-server-uri, "/Every/e2");',
    "option vendor-encapsulated-options 01:04:65:76:72:79;",
]

[[class]]
name = "EveryE3-E4"
models = ["E3", "E4"]
group = "tftp"
match = [{ exact = "E3", on = "user-class" }, { prefix = "E4", on = "user-class" }]
pool = false
statements = [
    "option option-150 10.42.1.1;",
    'option bootfile-name "e3.cfg";',
    'option default-url = concat(config-option VOIP.http-server-uri, "/Every");',
    "next-server 10.42.1.7;",
    'filename "e3.bin";',
    "default-lease-time 600;",
    '''
if exists user-class {
    option domain-name "user.example";
} elsif option vendor-class-identifier = "x" {
    log(info, "x");
} else {
    supersede domain-name "other.example";
}''',
]

[[class]]
model = "E5"
group = "plain"
match = [{ exact = "Every E5" }]
provd_path = "/Every/e5"
log = "BOOT Every five"

[[mac_prefix]]
prefix = "00:e0:e1"
models = ["E1"]

[[mac_prefix]]
prefix = "00:e0:e2"
log = false
provd_server = "tftp"
statements = ['log(concat("MAC ", binary-to-ascii(16, 8, ":", hardware)));']
"""


@pytest.fixture
def plugins(tmp_path: Path) -> Path:
    root = tmp_path / "plugins"
    shutil.copytree(ROOT / "plugins" / "xivo_digium", root / "xivo_digium",
                    ignore=shutil.ignore_patterns("_build", "__pycache__"))
    write_tree(root, {"quote/build.py": "", "quote/dhcp.toml": TRICKY, "_dhcp/every.toml": EVERY_CONSTRUCT})
    return root


def bundle_from(plugins: Path, dest: Path) -> Path:
    return write_bundle(render_bundle(load_dhcp_data(plugins), plugins), dest)


def test_digium_data_has_one_class_per_supported_model():
    digium = load_dhcp_file(ROOT / "plugins" / "xivo_digium" / "dhcp.toml")
    assert digium.models() == DIGIUM_MODELS
    assert {c.name: c.match for c in digium.classes} == {
        f"Digium{m}": (MatchRule("prefix", f"digium_{m}"),) for m in DIGIUM_MODELS}


def test_every_construct_renders_as_expected_and_dhcpd_accepts_it(plugins, tmp_path):
    etc = tmp_path / "etc-dhcp"
    extract_like_dhcpd_update(bundle_from(plugins, tmp_path / "dhcpd.tar.bz2"), etc)
    done = dhcpd_check(etc)
    assert done.returncode == 0, done.stderr
    digium = (etc / "dhcpd_update" / "digium.conf").read_text()
    assert 'option tftp-server-name = concat(config-option VOIP.http-server-uri, "/Digium");' in digium
    for model in DIGIUM_MODELS:
        assert (f'    class "Digium{model}" {{\n'
                f'        match if substring(option vendor-class-identifier, 0, 10) = "digium_{model}";\n'
                f'        {HW_LOG.format(f"BOOT Digium {model}")}\n    }}') in digium
    every = (etc / "dhcpd_update" / "every.conf").read_text()
    assert every.index("option space EVERY;") < every.index("group {")
    for expected in [
        # a class of no group is in the vendor's group, with the vendor's provd address
        'group {\n    option tftp-server-name = concat(config-option VOIP.http-server-uri, "/Every");\n\n'
        '    class "EveryE1" {\n        match if option vendor-class-identifier = "Every E1";',
        'group {\n    option tftp-server-name = config-option VOIP.tftp-server-name;\n'
        '    option domain-name-servers 10.42.1.53, 10.42.1.54;\n',
        'match if substring(option vendor-class-identifier, 0, 8) = "Every-E2" or '
        'suffix(option vendor-class-identifier, 3) = "E2\\000" or '
        'substring(option vendor-class-identifier, 6, 2) = "E2";',
        'match if option user-class = "E3" or substring(option user-class, 0, 2) = "E4";',
        '        if exists user-class {\n            option domain-name "user.example";\n        }\n'
        '        elsif option vendor-class-identifier = "x" {\n            log(info, "x");\n        }\n'
        '        else {\n            supersede domain-name "other.example";\n        }',
        'group {\n    option tftp-server-name = config-option VOIP.http-server-uri;\n\n    class "EveryE5" {',
        '        option tftp-server-name = concat(config-option VOIP.http-server-uri, "/Every/e5");',
        HW_LOG.format("BOOT Every five"),
        'subclass "voip-mac-address-prefix" 1:00:e0:e1 {\n    if not exists vendor-class-identifier {\n'
        f'        {HW_LOG.format("BOOT Every E1")}\n    }}\n'
        '    option tftp-server-name = concat(config-option VOIP.http-server-uri, "/Every");\n}',
        'subclass "voip-mac-address-prefix" 1:00:e0:e2 {\n'
        '    option tftp-server-name = config-option VOIP.tftp-server-name;\n'
        '    log(concat("MAC ", binary-to-ascii(16, 8, ":", hardware)));\n}',
    ]:
        assert expected in every, expected
    quote = (etc / "dhcpd_update" / "quo-te-phones.conf").read_text()
    assert 'class "Quo\\"te\\\\Desk"' in quote
    assert 'match if option vendor-class-identifier = "q2\\000\\377";' in quote
    assert HW_LOG.format('BOOT \\"Quote\\" \\\\ Q2') in quote
    middle = [line for line in (etc / "dhcpd_subnet.conf.middle").read_text().splitlines()]
    assert [line for line in middle if not line.startswith("#")] == \
        [f'allow members of "Digium{m}";' for m in sorted(DIGIUM_MODELS)] + \
        ['allow members of "EveryE1";', 'allow members of "EveryE2";', 'allow members of "EveryE5";',
         'allow members of "Quo\\"te\\\\Desk";', 'allow members of "Quo\\"te \\\\ PhonesQ2";',
         'allow members of "voip-mac-address-prefix";']
    includes = (etc / "dhcpd_update.conf").read_text()
    assert 'class "voip-mac-address-prefix" {\n    match substring(hardware, 0, 4);\n}' in includes
    assert includes.index('"/etc/dhcp/dhcpd_update/digium.conf"') < includes.index(
        '"/etc/dhcp/dhcpd_update/every.conf"') < includes.index('"/etc/dhcp/dhcpd_update/quo-te-phones.conf"')


def test_dhcpd_check_fails_on_a_broken_file(plugins, tmp_path):
    """The harness itself must be able to fail: an unescaped quote breaks dhcpd's parse."""
    etc = tmp_path / "etc-dhcp"
    extract_like_dhcpd_update(bundle_from(plugins, tmp_path / "dhcpd.tar.bz2"), etc)
    conf = etc / "dhcpd_update" / "quo-te-phones.conf"
    conf.write_text(conf.read_text().replace('"Quo\\"te\\\\Desk"', '"Quo"te\\Desk"'))
    assert dhcpd_check(etc).returncode != 0


HEAD = 'vendor = "Acme"\nprovd_path = "/Acme"\n'
CLASS = '[[class]]\nmodel = "X"\n'


@pytest.mark.parametrize("text, message, line", [
    (HEAD + CLASS, "needs match (a list of rules", 3),
    ('vendor = "Acme"\nprovd_path = "Acme"\n' + CLASS + 'vendor_class_prefix = "x"\n',
     "provd_path must be a URL path", 2),
    (HEAD, "at least one [[class]] or [[mac_prefix]] is required", None),
    (HEAD + 'colour = 1\n' + CLASS + 'vendor_class_prefix = "x"\n', "unknown key 'colour'", 3),
    (HEAD + CLASS + 'vendor_class_prefix = "x"\n' + CLASS + 'vendor_class_prefix = "y"\n',
     "class name 'AcmeX' is used twice", 6),
    ('vendor = "Acme"\nprovd_path = "/Acme\n', "invalid TOML", 2),
    (HEAD + '[[class]]\nvendor_class_prefix = "x"\n', "needs a name (or exactly one model", 3),
    (HEAD + '[[class]]\nmodel = "Zoë"\nvendor_class_prefix = "x"\n', "model must be non-empty printable ASCII", 4),
    # match rules
    (HEAD + CLASS + 'match = [{ prefix = "x", offset = 2 }]\n', "offset (0 to 254) goes with substring only", 5),
    (HEAD + CLASS + 'match = [{ prefix = "x", exact = "y" }]\n', "a match rule has one of exact, prefix", 5),
    (HEAD + CLASS + 'match = [{ exact = "" }]\n', "exact must be 1 to 255 characters", 5),
    (HEAD + CLASS + 'match = [{ exact = "\u0100" }]\n', "each a byte", 5),
    (HEAD + CLASS + 'match = [{ exact = "x", on = "hardware" }]\n', "on must be \"vendor-class-identifier\"", 5),
    (HEAD + CLASS + 'match = []\n', "needs match", 5),
    (HEAD + CLASS + 'vendor_class_prefix = "x"\nmatch = [{ exact = "x" }]\n', "has both match and", 6),
    (HEAD + CLASS + 'models = ["Y"]\nvendor_class_prefix = "x"\n', "has both model and models", 5),
    (HEAD + CLASS + 'vendor_class_prefix = "x"\npool = "yes"\n', "pool must be true or false", 6),
    (HEAD + CLASS + 'vendor_class_prefix = "x"\ngroup = "nope"\n', "group 'nope' is not one of this file's", 6),
    (HEAD + CLASS + 'vendor_class_prefix = "x"\nprovd_server = "tftp"\nprovd_path = "/x"\n',
     "it takes no provd_path", 7),
    (HEAD + CLASS + 'vendor_class_prefix = "x"\nprovd_server = "ftp"\n', "provd_server must be", 6),
    (HEAD + '[[class]]\nname = "voip-mac-address-prefix"\nvendor_class_prefix = "x"\n',
     "the MAC prefixes' own", 4),
    # groups and MAC prefixes
    (HEAD + '[[group]]\nname = "g"\n\n' + CLASS + 'vendor_class_prefix = "x"\n', "[[group]] #1 is the group of no",
     3),
    (HEAD + CLASS + 'mac_prefixes = ["00:0f:d3"]\n', "MAC prefixes are [[mac_prefix]] tables now", 5),
    (HEAD + '[[mac_prefix]]\nprefix = "00:0f"\n', "prefix must be the first three octets", 4),
    (HEAD + '[[mac_prefix]]\nprefix = "00:0f:d3"\n[[mac_prefix]]\nprefix = "00:0F:D3"\n',
     "MAC prefix '00:0f:d3' is used twice", 5),
    (HEAD + '[[mac_prefix]]\nprefix = "00:0f:d3"\nlog = true\n', "log must be non-empty printable ASCII", 5),
])
def test_data_file_errors_name_file_and_line(tmp_path, text, message, line):
    path = tmp_path / "dhcp.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ToolchainError) as caught:
        load_dhcp_file(path)
    assert message in str(caught.value)
    assert caught.value.path == str(path) and caught.value.line == line


# The escape hatch: anything that is not a complete, allowed statement, at its line.
@pytest.mark.parametrize("statements, message, line", [
    ('["option domain-name \\"x\\""]', "statement not terminated: ';' missing after 'option domain-name \"x\"'", 7),
    ('["option domain-name \\"x;"]', "unterminated string", 7),
    ('["option x 1; } class \\"evil\\" { match if 1 = 1;"]', "'}' closes no block", 7),
    ('["if exists user-class { option domain-name \\"x\\";"]', "'{' is never closed", 7),
    ('["{ option domain-name \\"x\\"; }"]', "'{' without a statement before it", 7),
    ('["include \\"/etc/passwd\\";"]', "statement 'include' is not allowed in a class", 7),
    ('["class \\"x\\" { match if 1 = 1; }"]', "statement 'class' is not allowed in a class", 7),
    ('["match if option user-class = \\"x\\";"]', "statement 'match' is not allowed", 7),
    ('["if exists user-class { execute(\\"/bin/sh\\"); }"]', "'execute' is not allowed in a DHCP bundle", 7),
    ('["option space X;"]', "is a declaration: it belongs in the vendor's declarations", 7),
    ('["option foo code 200 = text;"]', "is a declaration", 7),
    ('["else { log(\\"x\\"); }"]', "'else' without an 'if' before it", 7),
    ('["if { log(\\"x\\"); }"]', "'if' needs a condition", 7),
    ('["log(\\"x\\") { }"]', "statement 'log' takes no block", 7),
    ('["# only a comment"]', "the text holds no statement", 7),
    ('["option domain-name \\"x\\"; @"]', "unexpected character '@'", 7),
    ('["option domain-name \\"\\u0001\\";"]', "control character", 7),
    ('["vendor-option-space NOPE;"]', "option space 'NOPE' is used but not declared", None),
    ('["option tftp-server-name \\"x\\";"]', "sets tftp-server-name twice", 7),
    ("['''\noption domain-name \"a\";\noption domain-name \"b\"\n''']", "statement not terminated", 9),
])
def test_escape_hatch_is_checked(tmp_path, statements, message, line):
    path = tmp_path / "dhcp.toml"
    path.write_text(HEAD + CLASS + 'vendor_class_prefix = "x"\nprovd_path = "/x"\n'
                    + f"statements = {statements}\n")
    with pytest.raises(ToolchainError) as caught:
        load_dhcp_file(path)
    assert message in str(caught.value)
    assert (caught.value.path, caught.value.line) == (str(path), line)


@pytest.mark.parametrize("declaration, message", [
    ("option domain-name-servers 10.0.0.1;", "is not a declaration: a vendor holds only"),
    ("group { option x 1; }", "is not a declaration"),
    ("option space X; }", "'}' closes no block"),
])
def test_vendor_declarations_are_declarations_only(tmp_path, declaration, message):
    path = tmp_path / "dhcp.toml"
    path.write_text(HEAD + f"declarations = [{declaration!r}]\n" + CLASS + 'vendor_class_prefix = "x"\n')
    with pytest.raises(ToolchainError, match=message) as caught:
        load_dhcp_file(path)
    assert caught.value.line == 3


def test_bundle_wide_rules(tmp_path):
    plugins = tmp_path / "plugins"
    write_tree(plugins, {"a/build.py": "", "a/dhcp.toml": HEAD + CLASS + 'vendor_class_prefix = "x"\n',
                         "_dhcp/b.toml": 'vendor = "B"\n[[class]]\nname = "AcmeX"\nvendor_class_prefix = "y"\n'})
    with pytest.raises(ToolchainError, match="class name 'AcmeX' is used by vendor 'Acme'"):
        load_dhcp_data(plugins)
    write_tree(plugins, {"_dhcp/b.toml": 'vendor = "B"\n[[mac_prefix]]\nprefix = "00:01:02"\n',
                         "a/dhcp.toml": HEAD + '[[mac_prefix]]\nprefix = "00:01:02"\n'})
    with pytest.raises(ToolchainError, match="MAC prefix '00:01:02' is used by vendor 'Acme'"):
        load_dhcp_data(plugins)
    write_tree(plugins, {"_dhcp/b.toml": 'vendor = "B"\n[[mac_prefix]]\nprefix = "00:01:03"\npool = false\n'})
    with pytest.raises(ToolchainError, match="they join the VoIP pool all together"):
        render_bundle(load_dhcp_data(plugins), plugins)


def test_same_vendor_files_merge(tmp_path):
    plugins = tmp_path / "plugins"
    write_tree(plugins, {"a/build.py": "", "a/dhcp.toml": HEAD + CLASS + 'vendor_class_prefix = "x"\n',
                         "b/build.py": "", "b/dhcp.toml": HEAD + '[[class]]\nmodel = "Y"\nvendor_class_prefix = "y"\n',
                         "c/dhcp.toml": 'vendor = "Ignored"\n'})  # no build.py: not a build plugin
    [acme] = load_dhcp_data(plugins)
    assert [c.name for c in acme.classes] == ["AcmeX", "AcmeY"]
    (plugins / "b/dhcp.toml").write_text(HEAD.replace("/Acme", "/Other") + CLASS + 'vendor_class_prefix = "y"\n')
    with pytest.raises(ToolchainError, match="vendor 'Acme': the provd address .* disagrees with"):
        load_dhcp_data(plugins)


def test_models_without_class(tmp_path):
    digium = load_dhcp_file(ROOT / "plugins" / "xivo_digium" / "dhcp.toml")
    assert models_without_class([digium], ["D40", "D70", "D80"]) == ["D80"]
    assert models_without_class([], ["D40"]) == ["D40"]
    path = tmp_path / "dhcp.toml"
    path.write_text(HEAD + '[[mac_prefix]]\nprefix = "00:01:02"\nmodels = ["M1", "M2"]\n')
    assert models_without_class([load_dhcp_file(path)], ["M1", "M2", "M3"]) == ["M3"]


def test_bundle_is_reproducible_and_safe(plugins, tmp_path, monkeypatch):
    first = bundle_from(plugins, tmp_path / "a" / "dhcpd.tar.bz2")
    for path in plugins.rglob("*"):
        path.touch()
    second = bundle_from(plugins, tmp_path / "b" / "dhcpd.tar.bz2")
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["dhcpd_subnet.conf.middle", "dhcpd_update", "dhcpd_update/digium.conf",
                                         "dhcpd_update/every.conf", "dhcpd_update/quo-te-phones.conf",
                                         "dhcpd_update.conf"]
    for member in members:
        assert (member.uid, member.gid, member.uname, member.gname, member.mtime) == (0, 0, "", "", 0)
        assert member.mode == (0o755 if member.isdir() else 0o644)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    third = bundle_from(plugins, tmp_path / "c" / "dhcpd.tar.bz2")
    assert {m.mtime for m in tarfile.open(third).getmembers()} == {1700000000}


def test_a_source_path_cannot_break_out_of_its_comment(tmp_path):
    plugins = tmp_path / "plugins"
    write_tree(plugins, {"_dhcp/x\nclass \"evil\" {.toml": HEAD + CLASS + 'vendor_class_prefix = "x"\n'})
    text = render_bundle(load_dhcp_data(plugins), plugins)["dhcpd_update/acme.conf"].decode()
    assert '# Acme phones, generated from _dhcp/x?class "evil" {.toml by' in text


def test_inv_dhcp_writes_the_bundle_or_one_error_line(plugins, tmp_path):
    done = run_inv("dhcp", "--plugins-dir", str(plugins), "--build-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "dhcpd.tar.bz2").is_file()
    assert "3 vendor(s), 13 class(es), 3 MAC prefix(es)" in done.stdout
    (plugins / "quote" / "dhcp.toml").write_text(TRICKY.replace('"00:0F:D3"', '"0:0F:D3"'))
    before = (tmp_path / "out" / "dhcpd.tar.bz2").read_bytes()
    done = run_inv("dhcp", "--plugins-dir", str(plugins), "--build-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"error: {plugins / 'quote' / 'dhcp.toml'}:16: [[mac_prefix]] #1: prefix must "
                                   "be the first three octets of a MAC address like \"00:0f:d3\", not '0:0F:D3'")
    assert (tmp_path / "out" / "dhcpd.tar.bz2").read_bytes() == before


# One statement of each kind the escape hatch allows: dhcpd must accept every one.
EXAMPLES = {
    "option": "option domain-name-servers 10.42.1.53;",
    "supersede": 'supersede domain-name "phones.example";',
    "default": "default ntp-servers 10.42.1.1;",
    "append": 'append domain-search "example";',
    "prepend": "prepend domain-name-servers 10.42.1.1;",
    "vendor-option-space": "vendor-option-space EVERY;",
    "site-option-space": 'site-option-space "EVERY";',
    "next-server": "next-server 10.42.1.7;",
    "filename": 'filename "boot.bin";',
    "server-name": 'server-name "provd";',
    "log": 'log(info, concat("seen ", option vendor-class-identifier));',
    "if": 'if exists user-class { option domain-name "a"; } elsif exists vendor-class-identifier { '
          'option domain-name "b"; } else { option domain-name "c"; }',
    "default-lease-time": "default-lease-time 600;",
    "max-lease-time": "max-lease-time 7200;",
    "min-lease-time": "min-lease-time 60;",
}


def test_every_statement_the_escape_hatch_allows_is_accepted_by_dhcpd(tmp_path):
    from repo.dhcp.statements import SCOPE_KEYWORDS
    assert set(EXAMPLES) | {"elsif", "else"} == SCOPE_KEYWORDS
    statements = "".join(f"    {text!r},\n" for text in EXAMPLES.values())
    plugins = tmp_path / "plugins"
    write_tree(plugins, {"_dhcp/every.toml": (
        'vendor = "Every"\ndeclarations = ["option space EVERY;", "option EVERY.url code 1 = text;"]\n'
        '[[group]]\nname = "g"\nstatements = [\n' + statements + ']\n'
        '[[class]]\nmodel = "E1"\ngroup = "g"\nvendor_class_prefix = "e1"\nstatements = [\n' + statements + ']\n'
        '[[mac_prefix]]\nprefix = "00:e0:e1"\nstatements = [\n' + statements + ']\n')})
    etc = tmp_path / "etc-dhcp"
    extract_like_dhcpd_update(bundle_from(plugins, tmp_path / "dhcpd.tar.bz2"), etc)
    done = dhcpd_check(etc)
    assert done.returncode == 0, done.stderr
    assert (etc / "dhcpd_update" / "every.conf").read_text().count("min-lease-time 60;") == 3


def test_the_readme_examples_are_valid_data(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## DHCP bundle"):readme.index("### Importing a hand-kept bundle")]
    examples = section.split("```toml\n")[1:]
    assert len(examples) == 2
    for number, example in enumerate(examples):
        text = example.split("```")[0]
        path = tmp_path / f"example{number}.toml"
        path.write_text(text if text.startswith("vendor") else 'vendor = "Bolt"\n' + text)
        assert load_dhcp_file(path).classes


def test_a_large_data_file_is_read_in_one_pass(tmp_path):
    """Line numbers are looked up per table, not by rereading the file for each: 18,000 tables stay quick."""
    path = tmp_path / "dhcp.toml"
    path.write_text('vendor = "Big"\n' + "".join(f'[[class]]\nmodel = "M{n}"\nvendor_class_prefix = "m{n}"\n'
                                                 for n in range(18000)) + '[[class]]\nmodel = "M1"\nmatch = []\n')
    with pytest.raises(ToolchainError) as caught:
        load_dhcp_file(path)
    assert (caught.value.line, caught.value.message) == (54004, "[[class]] #18001: needs match (a list of rules "
                                                                "like { prefix = \"acme_P1\" }) or vendor_class_prefix")
