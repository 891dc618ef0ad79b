"""Each validation rule, on mutated copies of one valid plugin: right file, right line, useful message.

The plugin is built into a scratch folder and validated by ``build.check``, the engine
behind ``inv validate``, so findings about built files must name the source files.
"""
from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import build
from repo.validation.findings import WARNING
from repo.validation.rules import RULES
from tests.conftest import valid_plugin, write_tree

PLUGIN = "xivo_acme"
PG_ID = "xivo-acme-1.0"


def check(plugins_dir: Path, *selectors: str) -> list:
    return build.check(plugins_dir, selectors, jobs=1).findings


def test_the_valid_plugin_has_no_finding_at_all(plugins_dir):
    valid_plugin(plugins_dir)
    result = build.check(plugins_dir, jobs=1)
    assert result.checked == 1
    assert result.findings == []


Edit = str | bytes | None | tuple[str, str] | Callable[[Path], None]


@dataclass
class Mutation:
    id: str
    edits: dict[str, Edit]  # file of the build plugin -> new text, None (delete), (old, new) or a function
    path: str  # expected finding file, relative to the build plugin; "/<pg_id>/<path>": in the built tree
    line: int | None
    code: str  # the rule; its severity is the rule's
    text: str  # a piece of the expected message

    def apply(self, folder: Path) -> None:
        for name, edit in self.edits.items():
            path = folder / name
            if edit is None:
                path.unlink()
            elif callable(edit):
                edit(path)
            elif isinstance(edit, tuple):
                old, new = edit
                content = path.read_text()
                assert old in content, f"{self.id}: {old!r} not in {name}"
                path.write_text(content.replace(old, new, 1))
            else:
                write_tree(folder, {name: edit})


def symlink_to(target: str) -> Callable[[Path], None]:
    return lambda path: os.symlink(target, path)


def folder_with(name: str, content: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.mkdir()
        (path / name).write_bytes(content)
    return make


INFO, DB, ENTRY, COMMON = "1.0/plugin-info", "1.0/pkgs/pkgs.db", "1.0/entry.py", "common/common.py"
BASE, P1 = "common/templates/base.tpl", "common/templates/P1.tpl"

MUTATIONS = [
    # plugin-info
    Mutation("info-json-syntax", {INFO: ('"vendor": "Acme",', '"vendor": "Acme"')}, INFO, 6, "plugin-info-syntax",
             "invalid JSON: Expecting ',' delimiter (column 5)"),
    Mutation("info-not-object", {INFO: "[1, 2]\n"}, INFO, 1, "plugin-info-syntax", "must be a JSON object"),
    Mutation("info-missing-key", {INFO: ('"description": "Plugin for Acme P1 phones",', '')}, INFO, None, "plugin-info-key",
             "missing required key 'description'"),
    Mutation("info-version-type", {INFO: ('"version": "0.3"', '"version": 0.3')}, INFO, 2, "plugin-info-key",
             "'version' must be a string, not a number"),
    Mutation("info-capabilities-type", {INFO: '{\n  "version": "0.3",\n  "description": "d",\n'
                                              '  "capabilities": ["Acme, P1, 1.0"]\n}\n'}, INFO, 4, "plugin-info-key",
             "'capabilities' must be an object, not an array"),
    Mutation("info-version-shape", {INFO: ('"version": "0.3"', '"version": "v0.3 beta"')}, INFO, 2, "plugin-info-key",
             "version 'v0.3 beta' is not shaped like a version"),
    Mutation("info-capability-triple", {INFO: ('"Acme, D1, *"', '"Acme D1"')}, INFO, 17, "capability-name",
             "capability key 'Acme D1' is not a 'vendor, model, version' triple"),
    Mutation("info-capability-empty-part", {INFO: ('"Acme, D1, *"', '"Acme, , *"')}, INFO, 17, "capability-name",
             "is not a 'vendor, model, version' triple"),
    Mutation("info-capability-not-object", {INFO: ('"Acme, D1, *": {', '"Acme, D1, *": 3, "x": {')}, INFO, 17,
             "capability-value", "capabilities of 'Acme, D1, *' must be an object, not an integer"),
    Mutation("info-lines-type", {INFO: ('"lines": 2', '"lines": "2"')}, INFO, 9, "capability-value",
             "'Acme, P1, 1.0': lines must be an integer, not a string"),
    Mutation("info-lines-bool", {INFO: ('"lines": 2', '"lines": true')}, INFO, 9, "capability-value",
             "lines must be an integer, not true"),
    Mutation("info-ha-type", {INFO: ('"high_availability": true', '"high_availability": 1')}, INFO, 10, "capability-value",
             "high_availability must be a boolean, not an integer"),
    Mutation("info-negative-keys", {INFO: ('"function_keys": 4', '"function_keys": -4')}, INFO, 11, "capability-value",
             "function_keys cannot be negative"),
    Mutation("info-protocol", {INFO: ('"protocol": "sip"', '"protocol": "SIP"')}, INFO, 14, "capability-value",
             'protocol must be one of sip, sccp, not "SIP"'),
    Mutation("info-type", {INFO: ('"type": "deskphone"', '"type": "desk"')}, INFO, 15, "capability-value",
             'type must be one of deskphone, dect, wifidect'),
    Mutation("info-multicell-not-dect", {INFO: ('"type": "dect"', '"type": "deskphone"')}, INFO, 20, "capability-value",
             "multicell is only meaningful with type dect or wifidect"),
    Mutation("info-unknown-capability", {INFO: ('"lines": 1,', '"sip.lines": 1,')}, INFO, 18, "capability-legacy",
             "legacy capability key 'sip.lines' in 'Acme, D1, *' (documented: 'lines'"),
    Mutation("info-unknown-key", {INFO: ('"vendor": "Acme",', '"vendor": "Acme",\n    "colour": "red",')}, INFO,
             6, "unknown-key", "unknown key 'colour'"),
    Mutation("info-localised-description", {INFO: ('"description_fr": "Greffon pour les téléphones Acme P1"',
                                                   '"description_fr": ["Greffon"]')}, INFO, 4, "plugin-info-key",
             "'description_fr' must be a string, not an array"),
    Mutation("info-iface-version", {INFO: ('"plugin_iface_version_min": 0.2', '"plugin_iface_version_min": "0.2"')},
             INFO, 6, "iface-version", "'plugin_iface_version_min' must be a number"),
    Mutation("info-vendor-official", {INFO: ('"vendor": "Acme",', '"vendor": "Acme",\n    "vendor.official": 2,')},
             INFO, 6, "vendor-key", "'vendor.official' should be a boolean (or 0/1), not an integer"),
    Mutation("info-capability-typo", {INFO: ('"lines": 1,', '"proto": "sip", "lines": 1,')}, INFO, 18,
             "capability-key", "unknown capability key 'proto' in 'Acme, D1, *' (did you mean 'protocol'? provd "
                               "ignores it"),
    Mutation("info-iface-too-old", {INFO: ('"plugin_iface_version_min": 0.2', '"plugin_iface_version_max": 0.1')},
             INFO, 6, "iface-version", "plugin_iface_version_max 0.1 excludes provd's plugin interface version 0.2"),
    Mutation("info-iface-too-new", {INFO: ('"plugin_iface_version_min": 0.2', '"plugin_iface_version_min": 1.0')},
             INFO, 6, "iface-version", "excludes provd's plugin interface version 0.2"),
    Mutation("info-repeated-key", {INFO: ('"vendor": "Acme",', '"vendor": "Acme",\n    "vendor": "Acme",')}, INFO,
             6, "repeated-key", "key 'vendor' appears twice"),
    Mutation("info-not-utf8", {INFO: b'{"version": "0.3", "description": "caf\xe9", "capabilities": {}}'}, INFO,
             None, "plugin-info-syntax", "not UTF-8 text"),
    Mutation("info-missing", {INFO: None}, f"/{PG_ID}/plugin-info", None, "required-file", "no plugin-info"),
    # pkgs.db: parsing as provd does
    Mutation("db-unparsable-line", {DB: ("install: acme-fw P1\n", "install: acme-fw P1\nthis is not an option\n")},
             DB, 7, "pkgs-syntax", "cannot parse 'this is not an option'"),
    Mutation("db-before-section", {DB: ("[pkg_p1-fw]", "version: 2\n[pkg_p1-fw]")}, DB, 1, "pkgs-syntax",
             "'version: 2' comes before any [section] header"),
    Mutation("db-duplicate-section", {DB: ("[install_nothing]", "[pkg_langs]\n[install_nothing]")}, DB, 26, "pkgs-syntax",
             "section [pkg_langs] appears twice"),
    Mutation("db-duplicate-option", {DB: ("version = 1.0\n", "version = 1.0\nVersion: 2\n")}, DB, 12, "pkgs-syntax",
             "option 'version' appears twice in [pkg_langs]"),
    Mutation("db-section-kind", {DB: ("[install_nothing]", "[firmware_x]\nurl: x\n\n[install_nothing]")}, DB, 26,
             "pkgs-section", "[firmware_x] is not a pkg_, file_ or install_ section (fetchfw refuses the whole file)"),
    # pkgs.db: sections
    Mutation("db-pkg-required", {DB: ("version = 1.0\n", "")}, DB, 9, "pkg-option",
             "[pkg_langs] lacks the required option 'version'"),
    Mutation("db-pkg-id", {DB: ("version = 1.0\n", "version = 1.0\nid = langs\n")}, DB, 12, "pkg-option",
             "option 'id' is forbidden in [pkg_langs]"),
    Mutation("db-pkg-unknown-option", {DB: ("version = 1.0\n", "version = 1.0\nlicence = free\n")}, DB, 12,
             "unknown-option", "unknown option 'licence' in [pkg_langs]"),
    Mutation("db-file-required", {DB: ("sha1sum: ", "sha1: ")}, DB, 15, "file-option",
             "[file_p1-fw] lacks the required option 'sha1sum'"),
    Mutation("db-size", {DB: ("size: 11", "size: 11 bytes")}, DB, 17, "file-size",
             "size '11 bytes' is not a whole number of bytes"),
    Mutation("db-sha1sum", {DB: ("sha1sum: 2aae", "sha1sum: aae")}, DB, 18, "file-sha1sum",
             "sha1sum 'aae6c35c94fcfb415dbe95f408b9ce91ee846ed' is not hexadecimal digits"),
    Mutation("db-url-scheme", {DB: ("url: https://", "url: file://")}, DB, 16, "file-url",
             "url 'file://downloads.acme.test/p1-1.0.zip' is not an http://, https://, ftp:// URL with a host"),
    Mutation("db-url-no-host", {DB: ("url: https://downloads.acme.test/", "url: https:///")}, DB, 16, "file-url",
             "is not an http://, https://, ftp:// URL"),
    Mutation("db-url-no-name", {DB: ("p1-1.0.zip", "")}, DB, 16, "file-name",
             "cannot take a file name from url 'https://downloads.acme.test/': add a filename option"),
    Mutation("db-filename", {DB: ("downloader: auth", "downloader: auth\nfilename: ../p1.zip")}, DB, 20, "file-name",
             "filename '../p1.zip' must be a plain file name"),
    Mutation("db-downloader", {DB: ("downloader: auth", "downloader: login")}, DB, 19, "file-option",
             "downloader 'login' is not one of default, auth"),
    Mutation("db-file-unknown-option", {DB: ("downloader: auth", "downloader: auth\nmd5: 0")}, DB, 20, "unknown-option",
             "unknown option 'md5' in [file_p1-fw]"),
    # pkgs.db: install graphs
    Mutation("db-edge-shape", {DB: ("a-b: null", "ab: null")}, DB, 27, "install-graph",
             "'ab' is not an edge <source>-<destination>"),
    Mutation("db-edge-into-a", {DB: ("b-c: cp", "b-a: cp")}, DB, 24, "install-graph",
             "'b-a': node 'a' is the input, it can never be a destination"),
    Mutation("db-edge-same-destination", {DB: ("b-c: cp", "a-b: cp")}, DB, 24, "pkgs-syntax",
             "option 'a-b' appears twice in [install_acme-fw]"),
    Mutation("db-edge-destination-twice", {DB: ("b-c: cp", "a-c: untar $FILE1\nb-c: cp")}, DB, 25, "install-graph",
             "'b-c': node 'c' is already the destination of another edge"),
    Mutation("db-edge-source-undefined", {DB: ("b-c: cp", "x-c: cp")}, DB, 24, "install-graph",
             "'x-c': source node 'x' is neither 'a' nor the destination of an edge"),
    Mutation("db-edge-cycle", {DB: ("b-c: cp b/$ARG1/*.bin firmware/", "b-c: cp b/$ARG1/*.bin firmware/\n"
                                                                        "x-y: null\ny-x: null")}, DB, 25,
             "install-graph", "the edges through node 'y' form a cycle"),
    Mutation("db-input-unused", {DB: ("a-b: null", "x-b: null")}, DB, 26, "install-graph",
             "no edge starts from the input node 'a'"),
    Mutation("db-install-empty", {DB: ("a-b: null", "")}, DB, 26, "install-graph", "[install_nothing] has no edge"),
    Mutation("db-variable-unknown", {DB: ("unzip $FILE1", "unzip ${FIRMWARE}")}, DB, 23, "install-graph",
             "'a-b': unknown variable $FIRMWARE"),
    Mutation("db-variable-empty", {DB: ("unzip $FILE1", "unzip $FILE1$")}, DB, 23, "install-graph",
             "'a-b': a '$' with no variable name in '$FILE1$'"),
    Mutation("db-cp-absolute", {DB: ("*.bin firmware/", "*.bin /etc/")}, DB, 24, "install-graph",
             "'b-c': path '/etc/' leaves the install folder"),
    Mutation("db-untar-up", {DB: ("unzip $FILE1", "unzip ../$FILE1")}, DB, 23, "install-graph",
             "'a-b': path '../$FILE1' leaves the install folder"),
    Mutation("db-argument-up", {DB: ("install: acme-fw P1", "install: acme-fw ../..")}, DB, 6, "pkg-reference",
             "[pkg_p1-fw] makes [install_acme-fw] 'b-c' use the path 'b/../../*.bin', which leaves the install"),
    Mutation("db-filter-unknown", {DB: ("unzip $FILE1", "gunzip $FILE1")}, DB, 23, "install-graph",
             "'a-b': unknown filter 'gunzip' (known: untar, unzip, unrar, 7z, unsign, exclude, include, cp, null)"),
    Mutation("db-filter-no-command", {DB: ("a-b: null", "a-b:")}, DB, 27, "install-graph", "'a-b' has no filter command"),
    Mutation("db-filter-arity-exact", {DB: ("unzip $FILE1", "unsign $FILE1")}, DB, 23, "install-graph",
             "'a-b': filter unsign takes 2 arguments, got 1"),
    Mutation("db-filter-arity-least", {DB: ("cp b/$ARG1/*.bin firmware/", "cp firmware/")}, DB, 24, "install-graph",
             "'b-c': filter cp takes at least 2 arguments, got 1"),
    Mutation("db-filter-arity-null", {DB: ("a-b: null", "a-b: null x")}, DB, 27, "install-graph",
             "filter null takes 0 arguments, got 1"),
    Mutation("db-file-variable", {DB: ("unzip $FILE1", "unzip $FILE2")}, DB, 6, "pkg-reference",
             "[install_acme-fw] uses $FILE2 but [pkg_p1-fw] gives 1 file"),
    Mutation("db-arg-variable", {DB: ("install: acme-fw P1", "install: acme-fw")}, DB, 6, "pkg-reference",
             "[install_acme-fw] uses $ARG1 but [pkg_p1-fw] gives 0 arguments"),
    Mutation("db-variable-zero", {DB: ("unzip $FILE1", "unzip $FILE0")}, DB, 23, "install-graph",
             "'a-b': unknown variable $FILE0 (known: $FILE1..$FILEn, $ARG1..$ARGn, numbered from 1)"),
    # pkgs.db: references between sections
    Mutation("db-dangling-file", {DB: ("files: p1-fw", "files: p1-fw p2-fw")}, DB, 5, "pkg-reference",
             "[pkg_p1-fw] lists file 'p2-fw' but there is no [file_p2-fw] section"),
    Mutation("db-dangling-install", {DB: ("install = nothing", "install = nothing-at-all")}, DB, 13, "pkg-reference",
             "[pkg_langs] installs with 'nothing-at-all' but there is no [install_nothing-at-all] section"),
    Mutation("db-empty-install", {DB: ("install = nothing", "install =")}, DB, 13, "pkg-reference",
             "[pkg_langs] has an empty install option"),
    Mutation("db-depends-unknown", {DB: ("depends: langs", "depends: langs fonts")}, DB, 7, "pkg-reference",
             "[pkg_p1-fw] depends on 'fonts' but there is no [pkg_fonts] section"),
    Mutation("db-unused-file", {DB: ("[install_nothing]", "[file_spare]\nurl: http://x.test/s.bin\nsize: 1\n"
                                                          f"sha1sum: {'0' * 40}\n\n[install_nothing]")}, DB, 26,
             "unused-section", "[file_spare] is not used by any pkg section"),
    # Python
    Mutation("py-syntax", {COMMON: ("IS_PLUGIN = False", "IS_PLUGIN = = False")}, COMMON, 5, "python-syntax",
             "Python syntax error: invalid syntax"),
    Mutation("py-compile-only", {COMMON: ("IS_PLUGIN = False", "IS_PLUGIN = False\nreturn 3")}, COMMON, 6,
             "python-syntax", "'return' outside function"),
    Mutation("py-python2", {COMMON: ("IS_PLUGIN = False", "IS_PLUGIN = False\n\nprint 'hello'")}, COMMON, 7,
             "python-syntax", "Python syntax error: Missing parentheses in call to 'print'"),
    Mutation("py-warning", {COMMON: ("IS_PLUGIN = False", "IS_PLUGIN = False\nPATTERN = '\\d+'")}, COMMON, 6,
             "python-warning", "invalid escape sequence"),
    Mutation("py-no-plugin-class", {ENTRY: ("IS_PLUGIN = True", "IS_PLUGIN = False")}, ENTRY, 1, "entry-point",
             "no class with IS_PLUGIN = True"),
    Mutation("py-no-entry", {ENTRY: None}, f"/{PG_ID}/entry.py", None, "required-file", "no entry.py"),
    Mutation("py-execfile-missing", {ENTRY: ("execfile_('common.py'", "execfile_('commons.py'")}, ENTRY, 2,
             "execfile", "execfile_('commons.py'): no such file in the built plugin"),
    Mutation("py-execfile-absolute", {ENTRY: ("execfile_('common.py'", "execfile_('/usr/lib/common.py'")}, ENTRY,
             2, "execfile", "use a path relative to the plugin folder"),
    # templates
    Mutation("tpl-syntax", {BASE: ("{% endblock %}", "{% endblok %}")}, BASE, 2, "template-syntax",
             "Jinja2 syntax error: Encountered unknown tag 'endblok'"),
    Mutation("tpl-syntax-tag", {P1: ("{{ m.line(1) }}", "{{ m.line(1) }")}, P1, 3, "template-syntax", "Jinja2 syntax error"),
    Mutation("tpl-extends", {P1: ('"base.tpl"', '"bases.tpl"')}, P1, 1, "template-missing",
             "extends 'bases.tpl': no such template in var/templates/ or templates/"),
    Mutation("tpl-include", {BASE: ('"footer.tpl"', '"footers.tpl"')}, BASE, 3, "template-missing",
             "include 'footers.tpl': no such template"),
    Mutation("tpl-import", {P1: ('"macros.tpl"', '"macro.tpl"')}, P1, 2, "template-missing",
             "import 'macro.tpl': no such template"),
    Mutation("tpl-from-import", {P1: ('{% import "macros.tpl" as m %}', '{% from "../macros.tpl" import line %}')},
             P1, 2, "template-missing", "from ... import '../macros.tpl': no such template"),
    # built tree layout
    Mutation("tree-pycache", {"common/__pycache__": folder_with("common.cpython-311.pyc", b"\0")},
             "common/__pycache__", None, "vcs-or-bytecode", "Python bytecode '__pycache__' should not be packaged"),
    Mutation("tree-pyc", {"common/common.pyc": b"\0"}, "common/common.pyc", None, "vcs-or-bytecode", "Python bytecode"),
    Mutation("tree-backup", {"common/templates/base.tpl~": "old\n"}, "common/templates/base.tpl~", None, "stray-file",
             "editor leftover 'base.tpl~'"),
    Mutation("tree-swap", {"common/templates/.base.tpl.swp": b"\0"}, "common/templates/.base.tpl.swp", None, "stray-file",
             "dot-file '.base.tpl.swp'"),
    Mutation("tree-vcs", {"1.0/.git": folder_with("HEAD", b"ref\n")}, "1.0/.git", None, "vcs-or-bytecode",
             "VCS metadata '.git' should not be packaged"),
    Mutation("tree-absolute-link", {"common/templates/P3.tpl": symlink_to("/etc/passwd")},
             "common/templates/P3.tpl", None, "symlink-escape", "symlink to the absolute path '/etc/passwd'"),
    Mutation("tree-escaping-link", {"common/templates/P3.tpl": symlink_to("../../../../etc/passwd")},
             "common/templates/P3.tpl", None, "symlink-escape", "symlink to '../../../../etc/passwd' leaves the plugin folder"),
    Mutation("tree-link-in-stray-folder", {"common/.cache": folder_with("x", b""),
                                           "common/.cache/passwd": symlink_to("/etc/passwd")},
             "common/.cache/passwd", None, "symlink-escape", "symlink to the absolute path '/etc/passwd'"),
    Mutation("tree-dangling-link", {"common/templates/P3.tpl": symlink_to("P9.tpl")},
             "common/templates/P3.tpl", None, "symlink-broken", "symlink to 'P9.tpl' points to nothing"),
    # firmware kept locally
    Mutation("firmware-size", {"../_firmwares/acme/p1-1.0.zip": "hello world!"}, DB, 15, "firmware-mismatch",
             "[file_p1-fw] says size 11 but"),
    Mutation("firmware-sha1", {"../_firmwares/acme/p1-1.0.zip": "HELLO WORLD"}, DB, 15, "firmware-mismatch",
             f"[file_p1-fw] says sha1sum {'2aae6c35c94fcfb415dbe95f408b9ce91ee846ed'} but"),
    # DHCP data (more in test_dhcp_coverage.py)
    Mutation("dhcp-model-without-data", {"dhcp.toml": ('models = ["D1"]', 'models = ["D2"]')},
             "dhcp.toml", None, "dhcp-coverage", "model D1 has no DHCP data (no class or MAC prefix"),
    Mutation("dhcp-broken-rule", {"dhcp.toml": ('prefix = "00:0a:cc"', 'prefix = "00:0a:zz"')},
             "dhcp.toml", 9, "dhcp-data", "[[mac_prefix]] #1: prefix must be the first three octets"),
    Mutation("firmware-absent-is-fine", {"../_firmwares/acme/p1-1.0.zip": None, INFO: ('"lines": 1,', '"x": 1,')},
             INFO, 18, "capability-key", "unknown capability key 'x'"),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_each_rule_reports_the_right_file_line_and_message(plugins_dir, mutation):
    folder = valid_plugin(plugins_dir)
    mutation.apply(folder)
    findings = check(plugins_dir)
    # A file with no source (here: a missing one) is named in the built tree, <pg_id>/<path>.
    expected = mutation.path[1:] if mutation.path.startswith("/") else str(folder / mutation.path)
    matching = [f for f in findings if mutation.text in f.message]
    assert matching, f"no finding with {mutation.text!r} in:\n" + "\n".join(map(str, findings))
    finding = matching[0]
    assert (finding.path, finding.line, finding.code) == (expected, mutation.line, mutation.code), finding
    assert finding.severity == RULES[mutation.code].severity
    if finding.severity == WARNING:
        assert not [f for f in findings if f.is_error], findings


# --- rules about the build plugins themselves ---------------------------------------------

def test_duplicate_plugin_ids_across_build_plugins(plugins_dir):
    valid_plugin(plugins_dir)
    valid_plugin(plugins_dir, "xivo_acme_copy")
    findings = check(plugins_dir)
    duplicates = [f for f in findings if "'xivo-acme-1.0' is produced by several targets" in f.message]
    assert sorted(f.path for f in duplicates) == [str(plugins_dir / "xivo_acme/build.py"),
                                                   str(plugins_dir / "xivo_acme_copy/build.py")]
    assert all(f.is_error for f in duplicates)


def test_a_failing_target_is_a_finding_at_its_build_file_line(plugins_dir):
    folder = valid_plugin(plugins_dir)
    build_file = folder / "build.py"
    build_file.write_text(build_file.read_text().replace("'1.0/', path])", "'1.0/', path])\n    1 / 0"))
    [finding] = check(plugins_dir)
    assert (finding.path, finding.line, finding.severity) == (str(build_file), 8, "error")
    assert finding.message == "target xivo_acme:1.0 (xivo-acme-1.0) failed: ZeroDivisionError: division by zero"


def test_a_build_file_that_does_not_load(plugins_dir):
    valid_plugin(plugins_dir)
    write_tree(plugins_dir, {"broken/build.py": "@target('1', 'broken-1')\ndef f(path)\n"})
    findings = check(plugins_dir)
    assert [(f.path, f.line) for f in findings] == [(str(plugins_dir / "broken/build.py"), 2)]
    assert findings[0].message.startswith("syntax error")
    assert check(plugins_dir, "xivo_acme") == []  # not selected, not reported


def test_a_plugin_id_that_cannot_name_a_package(plugins_dir):
    folder = valid_plugin(plugins_dir)
    build_file = folder / "build.py"
    build_file.write_text(build_file.read_text().replace("'xivo-acme-1.0'", "'xivo acme 1.0'"))
    [finding] = check(plugins_dir)  # refused as the build file loads: nothing is built
    assert (finding.path, finding.line) == (str(build_file), 4) and finding.is_error
    assert "plugin id 'xivo acme 1.0' is not a plain name" in finding.message


def test_a_generated_file_is_named_in_the_built_tree(plugins_dir):
    folder = valid_plugin(plugins_dir)
    build_file = folder / "build.py"
    build_file.write_text(build_file.read_text() + textwrap.indent(textwrap.dedent("""\
        with open(path + '/templates/P9.tpl', 'w') as out:
            out.write('{% extends "P0.tpl" %}')
        """), "    "))
    [finding] = check(plugins_dir)
    assert (finding.path, finding.line) == (f"{PG_ID}/templates/P9.tpl", 1)
    assert "extends 'P0.tpl'" in finding.message


def test_a_file_in_common_and_in_the_target_folder_is_reported_in_the_target_folder(plugins_dir):
    folder = valid_plugin(plugins_dir)
    broken = "{% extends 'nowhere.tpl' %}\n"
    write_tree(folder, {"common/templates/P1.tpl": broken, "1.0/templates/P1.tpl": broken})
    [finding] = check(plugins_dir)
    assert finding.path == str(folder / "1.0/templates/P1.tpl")


def test_a_shared_source_file_is_reported_once_for_all_targets(plugins_dir):
    folder = valid_plugin(plugins_dir)
    build_file = folder / "build.py"
    second = build_file.read_text().split("@target")[1].replace("'1.0', 'xivo-acme-1.0'", "'1.1', 'xivo-acme-1.1'")
    build_file.write_text(build_file.read_text() + "\n\n@target" + second.replace("build_1_0", "build_1_1"))
    write_tree(folder, {COMMON: "def broken(:\n"})
    result = build.check(plugins_dir, jobs=2)
    assert result.checked == 2
    assert [(f.path, f.line) for f in result.findings] == [(str(folder / COMMON), 1)]


def test_every_finding_of_a_run_is_reported(plugins_dir):
    folder = valid_plugin(plugins_dir)
    by_id = {m.id: m for m in MUTATIONS}
    for mutation_id in ("py-syntax", "tpl-include", "db-size", "info-protocol", "tree-backup"):
        by_id[mutation_id].apply(folder)
    findings = check(plugins_dir)
    assert [f.code for f in findings if f.is_error] == ["file-size", "python-syntax", "template-missing"]
    assert {Path(f.path).name for f in findings} == {"common.py", "base.tpl", "pkgs.db", "plugin-info", "base.tpl~"}


def test_explicit_firmware_dir(plugins_dir, tmp_path):
    valid_plugin(plugins_dir)
    elsewhere = tmp_path / "downloads"
    write_tree(elsewhere, {"p1-1.0.zip": b"not the firmware"})
    [finding] = build.check(plugins_dir, jobs=1, firmware_dir=elsewhere).findings
    assert "[file_p1-fw] says size 11 but" in finding.message and str(elsewhere) in finding.message


def test_a_symlink_to_an_endless_device_is_reported_not_read(plugins_dir):
    folder = valid_plugin(plugins_dir)
    db = folder / DB
    db.unlink()
    os.symlink("/dev/zero", db)
    os.symlink("/dev/zero", folder / "1.0/pkgs/more.db")
    findings = check(plugins_dir)
    assert [(Path(f.path).name, f.code) for f in findings if f.is_error] == [
        ("more.db", "symlink-escape"), ("pkgs.db", "symlink-escape")]
