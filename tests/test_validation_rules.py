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
from repo.validation.findings import ERROR, WARNING
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
    severity: str
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
    Mutation("info-json-syntax", {INFO: ('"vendor": "Acme",', '"vendor": "Acme"')}, INFO, 6, ERROR,
             "invalid JSON: Expecting ',' delimiter (column 5)"),
    Mutation("info-not-object", {INFO: "[1, 2]\n"}, INFO, 1, ERROR, "must be a JSON object"),
    Mutation("info-missing-key", {INFO: ('"description": "Plugin for Acme P1 phones",', '')}, INFO, None, ERROR,
             "missing required key 'description'"),
    Mutation("info-version-type", {INFO: ('"version": "0.3"', '"version": 0.3')}, INFO, 2, ERROR,
             "'version' must be a string, not a number"),
    Mutation("info-capabilities-type", {INFO: '{\n  "version": "0.3",\n  "description": "d",\n'
                                              '  "capabilities": ["Acme, P1, 1.0"]\n}\n'}, INFO, 4, ERROR,
             "'capabilities' must be an object, not an array"),
    Mutation("info-version-shape", {INFO: ('"version": "0.3"', '"version": "v0.3 beta"')}, INFO, 2, ERROR,
             "version 'v0.3 beta' is not shaped like a version"),
    Mutation("info-capability-triple", {INFO: ('"Acme, D1, *"', '"Acme D1"')}, INFO, 17, ERROR,
             "capability key 'Acme D1' is not a 'vendor, model, version' triple"),
    Mutation("info-capability-empty-part", {INFO: ('"Acme, D1, *"', '"Acme, , *"')}, INFO, 17, ERROR,
             "is not a 'vendor, model, version' triple"),
    Mutation("info-capability-not-object", {INFO: ('"Acme, D1, *": {', '"Acme, D1, *": 3, "x": {')}, INFO, 17,
             ERROR, "capabilities of 'Acme, D1, *' must be an object, not an integer"),
    Mutation("info-lines-type", {INFO: ('"lines": 2', '"lines": "2"')}, INFO, 9, ERROR,
             "'Acme, P1, 1.0': lines must be an integer, not a string"),
    Mutation("info-lines-bool", {INFO: ('"lines": 2', '"lines": true')}, INFO, 9, ERROR,
             "lines must be an integer, not true"),
    Mutation("info-ha-type", {INFO: ('"high_availability": true', '"high_availability": 1')}, INFO, 10, ERROR,
             "high_availability must be a boolean, not an integer"),
    Mutation("info-negative-keys", {INFO: ('"function_keys": 4', '"function_keys": -4')}, INFO, 11, ERROR,
             "function_keys cannot be negative"),
    Mutation("info-protocol", {INFO: ('"protocol": "sip"', '"protocol": "SIP"')}, INFO, 14, ERROR,
             'protocol must be one of sip, sccp, not "SIP"'),
    Mutation("info-type", {INFO: ('"type": "deskphone"', '"type": "desk"')}, INFO, 15, ERROR,
             'type must be one of deskphone, dect, wifidect'),
    Mutation("info-multicell-not-dect", {INFO: ('"type": "dect"', '"type": "deskphone"')}, INFO, 20, ERROR,
             "multicell is only meaningful with type dect or wifidect"),
    Mutation("info-unknown-capability", {INFO: ('"lines": 1,', '"sip.lines": 1,')}, INFO, 18, WARNING,
             "unknown capability key 'sip.lines' in 'Acme, D1, *' (legacy spelling of 'lines'"),
    Mutation("info-unknown-key", {INFO: ('"vendor": "Acme",', '"vendor": "Acme",\n    "colour": "red",')}, INFO,
             6, WARNING, "unknown key 'colour'"),
    Mutation("info-localised-description", {INFO: ('"description_fr": "Greffon pour les téléphones Acme P1"',
                                                   '"description_fr": ["Greffon"]')}, INFO, 4, ERROR,
             "'description_fr' must be a string, not an array"),
    Mutation("info-iface-version", {INFO: ('"plugin_iface_version_min": 0.2', '"plugin_iface_version_min": "0.2"')},
             INFO, 6, ERROR, "'plugin_iface_version_min' must be a number"),
    Mutation("info-iface-too-new", {INFO: ('"plugin_iface_version_min": 0.2', '"plugin_iface_version_min": 1.0')},
             INFO, 6, WARNING, "excludes provd's plugin interface version 0.2"),
    Mutation("info-repeated-key", {INFO: ('"vendor": "Acme",', '"vendor": "Acme",\n    "vendor": "Acme",')}, INFO,
             6, WARNING, "key 'vendor' appears twice"),
    Mutation("info-not-utf8", {INFO: b'{"version": "0.3", "description": "caf\xe9", "capabilities": {}}'}, INFO,
             None, ERROR, "not UTF-8 text"),
    Mutation("info-missing", {INFO: None}, f"/{PG_ID}/plugin-info", None, ERROR, "no plugin-info"),
    # pkgs.db: parsing as provd does
    Mutation("db-unparsable-line", {DB: ("install: acme-fw P1\n", "install: acme-fw P1\nthis is not an option\n")},
             DB, 7, ERROR, "cannot parse 'this is not an option'"),
    Mutation("db-before-section", {DB: ("[pkg_p1-fw]", "version: 2\n[pkg_p1-fw]")}, DB, 1, ERROR,
             "'version: 2' comes before any [section] header"),
    Mutation("db-duplicate-section", {DB: ("[install_nothing]", "[pkg_langs]\n[install_nothing]")}, DB, 26, ERROR,
             "section [pkg_langs] appears twice"),
    Mutation("db-duplicate-option", {DB: ("version = 1.0\n", "version = 1.0\nVersion: 2\n")}, DB, 12, ERROR,
             "option 'version' appears twice in [pkg_langs]"),
    Mutation("db-section-kind", {DB: ("[install_nothing]", "[firmware_x]\nurl: x\n\n[install_nothing]")}, DB, 26,
             WARNING, "[firmware_x] is not a pkg_, file_ or install_ section: provd ignores it"),
    # pkgs.db: sections
    Mutation("db-pkg-required", {DB: ("version = 1.0\n", "")}, DB, 9, ERROR,
             "[pkg_langs] lacks the required option 'version'"),
    Mutation("db-pkg-id", {DB: ("version = 1.0\n", "version = 1.0\nid = langs\n")}, DB, 12, ERROR,
             "option 'id' is forbidden in [pkg_langs]"),
    Mutation("db-pkg-unknown-option", {DB: ("version = 1.0\n", "version = 1.0\nlicence = free\n")}, DB, 12,
             WARNING, "unknown option 'licence' in [pkg_langs]"),
    Mutation("db-file-required", {DB: ("sha1sum: ", "sha1: ")}, DB, 15, ERROR,
             "[file_p1-fw] lacks the required option 'sha1sum'"),
    Mutation("db-size", {DB: ("size: 11", "size: 11 bytes")}, DB, 17, ERROR,
             "size '11 bytes' is not a whole number of bytes"),
    Mutation("db-sha1sum", {DB: ("sha1sum: 2aae", "sha1sum: aae")}, DB, 18, ERROR,
             "is not 40 hexadecimal digits"),
    Mutation("db-url-scheme", {DB: ("url: https://", "url: ftp://")}, DB, 16, ERROR,
             "url 'ftp://downloads.acme.test/p1-1.0.zip' is not an http:// or https:// URL"),
    Mutation("db-url-no-host", {DB: ("url: https://downloads.acme.test/", "url: https:///")}, DB, 16, ERROR,
             "is not an http:// or https:// URL"),
    Mutation("db-url-no-name", {DB: ("p1-1.0.zip", "")}, DB, 16, ERROR,
             "cannot take a file name from url 'https://downloads.acme.test/': add a filename option"),
    Mutation("db-filename", {DB: ("downloader: auth", "downloader: auth\nfilename: ../p1.zip")}, DB, 20, ERROR,
             "filename '../p1.zip' must be a plain file name"),
    Mutation("db-downloader", {DB: ("downloader: auth", "downloader: login")}, DB, 19, ERROR,
             "downloader 'login' is not one of default, auth"),
    Mutation("db-file-unknown-option", {DB: ("downloader: auth", "downloader: auth\nmd5: 0")}, DB, 20, WARNING,
             "unknown option 'md5' in [file_p1-fw]"),
    # pkgs.db: install graphs
    Mutation("db-edge-shape", {DB: ("a-b: null", "ab: null")}, DB, 27, ERROR,
             "'ab' is not an edge <source>-<destination>"),
    Mutation("db-edge-into-a", {DB: ("b-c: cp", "b-a: cp")}, DB, 24, ERROR,
             "'b-a': node 'a' is the input, it can never be a destination"),
    Mutation("db-edge-same-destination", {DB: ("b-c: cp", "a-b: cp")}, DB, 24, ERROR,
             "option 'a-b' appears twice in [install_acme-fw]"),
    Mutation("db-edge-destination-twice", {DB: ("b-c: cp", "a-c: untar $FILE1\nb-c: cp")}, DB, 25, ERROR,
             "'b-c': node 'c' is already the destination of another edge"),
    Mutation("db-edge-source-undefined", {DB: ("b-c: cp", "x-c: cp")}, DB, 24, ERROR,
             "'x-c': source node 'x' is neither 'a' nor the destination of an earlier edge"),
    Mutation("db-edge-source-later", {DB: ("a-b: unzip $FILE1\nb-c: cp b/$ARG1/*.bin firmware/",
                                           "b-c: cp b/$ARG1/*.bin firmware/\na-b: unzip $FILE1")}, DB, 23, ERROR,
             "'b-c': source node 'b' is neither 'a' nor the destination of an earlier edge"),
    Mutation("db-filter-unknown", {DB: ("unzip $FILE1", "gunzip $FILE1")}, DB, 23, ERROR,
             "'a-b': unknown filter 'gunzip' (known: untar, unzip, unrar, 7z, unsign, exclude, include, cp, null)"),
    Mutation("db-filter-no-command", {DB: ("a-b: null", "a-b:")}, DB, 27, ERROR, "'a-b' has no filter command"),
    Mutation("db-filter-arity-exact", {DB: ("unzip $FILE1", "unsign $FILE1")}, DB, 23, ERROR,
             "'a-b': filter unsign takes 2 arguments, got 1"),
    Mutation("db-filter-arity-least", {DB: ("cp b/$ARG1/*.bin firmware/", "cp firmware/")}, DB, 24, ERROR,
             "'b-c': filter cp takes at least 2 arguments, got 1"),
    Mutation("db-filter-arity-null", {DB: ("a-b: null", "a-b: null x")}, DB, 27, ERROR,
             "filter null takes 0 arguments, got 1"),
    Mutation("db-file-variable", {DB: ("unzip $FILE1", "unzip $FILE2")}, DB, 6, ERROR,
             "[install_acme-fw] uses $FILE2 but [pkg_p1-fw] gives 1 file"),
    Mutation("db-arg-variable", {DB: ("install: acme-fw P1", "install: acme-fw")}, DB, 6, ERROR,
             "[install_acme-fw] uses $ARG1 but [pkg_p1-fw] gives 0 arguments"),
    Mutation("db-variable-zero", {DB: ("unzip $FILE1", "unzip $FILE0")}, DB, 23, ERROR,
             "$FILE0 does not exist (numbering starts at 1)"),
    # pkgs.db: references between sections
    Mutation("db-dangling-file", {DB: ("files: p1-fw", "files: p1-fw p2-fw")}, DB, 5, ERROR,
             "[pkg_p1-fw] lists file 'p2-fw' but there is no [file_p2-fw] section"),
    Mutation("db-dangling-install", {DB: ("install = nothing", "install = nothing-at-all")}, DB, 13, ERROR,
             "[pkg_langs] installs with 'nothing-at-all' but there is no [install_nothing-at-all] section"),
    Mutation("db-empty-install", {DB: ("install = nothing", "install =")}, DB, 13, ERROR,
             "[pkg_langs] has an empty install option"),
    Mutation("db-depends-unknown", {DB: ("depends: langs", "depends: langs fonts")}, DB, 7, ERROR,
             "[pkg_p1-fw] depends on 'fonts' but there is no [pkg_fonts] section"),
    Mutation("db-unused-file", {DB: ("[install_nothing]", "[file_spare]\nurl: http://x.test/s.bin\nsize: 1\n"
                                                          f"sha1sum: {'0' * 40}\n\n[install_nothing]")}, DB, 26,
             WARNING, "[file_spare] is not used by any pkg section"),
    # Python
    Mutation("py-syntax", {COMMON: ("IS_PLUGIN = False", "IS_PLUGIN = = False")}, COMMON, 5, ERROR,
             "Python syntax error: invalid syntax"),
    Mutation("py-compile-only", {COMMON: ("IS_PLUGIN = False", "IS_PLUGIN = False\nreturn 3")}, COMMON, 6,
             ERROR, "'return' outside function"),
    Mutation("py-python2", {COMMON: ("IS_PLUGIN = False", "IS_PLUGIN = False\n\nprint 'hello'")}, COMMON, 7,
             ERROR, "Python syntax error: Missing parentheses in call to 'print'"),
    Mutation("py-warning", {COMMON: ("IS_PLUGIN = False", "IS_PLUGIN = False\nPATTERN = '\\d+'")}, COMMON, 6,
             WARNING, "invalid escape sequence"),
    Mutation("py-no-plugin-class", {ENTRY: ("IS_PLUGIN = True", "IS_PLUGIN = False")}, ENTRY, 1, ERROR,
             "no class with IS_PLUGIN = True"),
    Mutation("py-no-entry", {ENTRY: None}, f"/{PG_ID}/entry.py", None, ERROR, "no entry.py"),
    Mutation("py-execfile-missing", {ENTRY: ("execfile_('common.py'", "execfile_('commons.py'")}, ENTRY, 2,
             ERROR, "execfile_('commons.py'): no such file in the built plugin"),
    Mutation("py-execfile-absolute", {ENTRY: ("execfile_('common.py'", "execfile_('/usr/lib/common.py'")}, ENTRY,
             2, ERROR, "use a path relative to the plugin folder"),
    # templates
    Mutation("tpl-syntax", {BASE: ("{% endblock %}", "{% endblok %}")}, BASE, 2, ERROR,
             "Jinja2 syntax error: Encountered unknown tag 'endblok'"),
    Mutation("tpl-syntax-tag", {P1: ("{{ m.line(1) }}", "{{ m.line(1) }")}, P1, 3, ERROR, "Jinja2 syntax error"),
    Mutation("tpl-extends", {P1: ('"base.tpl"', '"bases.tpl"')}, P1, 1, ERROR,
             "extends 'bases.tpl': no such template in var/templates/ or templates/"),
    Mutation("tpl-include", {BASE: ('"footer.tpl"', '"footers.tpl"')}, BASE, 3, ERROR,
             "include 'footers.tpl': no such template"),
    Mutation("tpl-import", {P1: ('"macros.tpl"', '"macro.tpl"')}, P1, 2, ERROR,
             "import 'macro.tpl': no such template"),
    Mutation("tpl-from-import", {P1: ('{% import "macros.tpl" as m %}', '{% from "../macros.tpl" import line %}')},
             P1, 2, ERROR, "from ... import '../macros.tpl': no such template"),
    # built tree layout
    Mutation("tree-pycache", {"common/__pycache__": folder_with("common.cpython-311.pyc", b"\0")},
             "common/__pycache__", None, ERROR, "Python bytecode '__pycache__' must not be packaged"),
    Mutation("tree-pyc", {"common/common.pyc": b"\0"}, "common/common.pyc", None, ERROR, "Python bytecode"),
    Mutation("tree-backup", {"common/templates/base.tpl~": "old\n"}, "common/templates/base.tpl~", None, ERROR,
             "editor or VCS leftover 'base.tpl~'"),
    Mutation("tree-swap", {"common/templates/.base.tpl.swp": b"\0"}, "common/templates/.base.tpl.swp", None, ERROR,
             "dot-file '.base.tpl.swp'"),
    Mutation("tree-vcs", {"1.0/.git": folder_with("HEAD", b"ref\n")}, "1.0/.git", None, ERROR, "dot-file '.git'"),
    Mutation("tree-absolute-link", {"common/templates/P3.tpl": symlink_to("/etc/passwd")},
             "common/templates/P3.tpl", None, ERROR, "symlink to the absolute path '/etc/passwd'"),
    Mutation("tree-escaping-link", {"common/templates/P3.tpl": symlink_to("../../../../etc/passwd")},
             "common/templates/P3.tpl", None, ERROR, "symlink to '../../../../etc/passwd' leaves the plugin folder"),
    Mutation("tree-dangling-link", {"common/templates/P3.tpl": symlink_to("P9.tpl")},
             "common/templates/P3.tpl", None, WARNING, "symlink to 'P9.tpl' points to nothing"),
    # firmware kept locally
    Mutation("firmware-size", {"../_firmwares/acme/p1-1.0.zip": "hello world!"}, DB, 15, ERROR,
             "[file_p1-fw] says size 11 but"),
    Mutation("firmware-sha1", {"../_firmwares/acme/p1-1.0.zip": "HELLO WORLD"}, DB, 15, ERROR,
             f"[file_p1-fw] says sha1sum {'2aae6c35c94fcfb415dbe95f408b9ce91ee846ed'} but"),
    # DHCP data
    Mutation("dhcp-model-without-class", {"dhcp.toml": ('[[class]]\nmodel = "D1"', '[[class]]\nmodel = "D2"')},
             INFO, None, WARNING, "model D1 has no DHCP class (none in dhcp.toml)"),
    Mutation("dhcp-no-data-file", {"dhcp.toml": None}, INFO, None, WARNING,
             "model P1 has no DHCP class (no dhcp.toml next to build.py)"),
    Mutation("dhcp-broken-rule", {"dhcp.toml": ('mac_prefixes = ["00:0a:cc"]', 'mac_prefixes = ["00:0a:zz"]')},
             "dhcp.toml", 10, ERROR, "[[class]] #2: mac_prefixes must be a list of MAC prefixes"),
    Mutation("firmware-absent-is-fine", {"../_firmwares/acme/p1-1.0.zip": None, INFO: ('"lines": 1,', '"x": 1,')},
             INFO, 18, WARNING, "unknown capability key 'x'"),
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
    assert (finding.path, finding.line, finding.severity) == (expected, mutation.line, mutation.severity), finding
    if mutation.severity == WARNING:
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
    assert len([f for f in findings if f.is_error]) == 5
    assert {Path(f.path).name for f in findings} == {"common.py", "base.tpl", "pkgs.db", "plugin-info", "base.tpl~"}


def test_explicit_firmware_dir(plugins_dir, tmp_path):
    valid_plugin(plugins_dir)
    elsewhere = tmp_path / "downloads"
    write_tree(elsewhere, {"p1-1.0.zip": b"not the firmware"})
    [finding] = build.check(plugins_dir, jobs=1, firmware_dir=elsewhere).findings
    assert "[file_p1-fw] says size 11 but" in finding.message and str(elsewhere) in finding.message
