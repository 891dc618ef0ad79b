"""pkgs.db read as provd reads it: what it accepts stays accepted; random text never crashes the check."""
from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repo.validation.findings import Finding
from repo.validation.pkgsdb import PkgsDb, RemoteFile, check_pkgs_db

SHA1 = "2AAE6C35C94FCFB415DBE95F408B9CE91EE846ED"  # provd reads hex digits in either case


def test_what_provd_handles_fine_is_no_finding():
    text = f"""\
# comments of both kinds
; are ignored
[pkg_fw]
description = Firmware
version = 2.0
files = fw
  fw-extra
install = fw-install   X1   Y2
DEPENDS: lang

[pkg_lang]
description: Languages
version: 1
files:
install: noop

[pkg_meta]
description: Nothing to download, only dependencies
version: 1
depends: fw lang

[file_fw]
url = http://example.test/a/b/fw.zip?token=1
size = 0
sha1sum = {SHA1}
downloader = auth

[file_fw-extra]
url = https://example.test/extra.tgz
size = 12345
sha1sum = {SHA1.lower()}
filename = extra-renamed.tgz

[install_fw-install]
a-b: unzip $FILE1
a-c: untar ${{FILE2}}
b-d: unsign b/$ARG1.sgn d/$ARG2
c-e: exclude c/*.txt c/*.md ../anything
g-h: 7z g/fw.7z
e-f: include e/*.bin
d-g: cp d/x e/y g/
f-i: cp f/price-\\$5.txt i/

[install_noop]
a-b: null
"""
    db, findings = check_pkgs_db(text, "pkgs.db")
    assert findings == []
    assert db == PkgsDb((
        RemoteFile("fw", "fw.zip?token=1", 0, SHA1.lower(), 22, "http://example.test/a/b/fw.zip?token=1"),
        RemoteFile("fw-extra", "extra-renamed.tgz", 12345, SHA1.lower(), 28, "https://example.test/extra.tgz")))


def test_real_tree_file_sections_are_fine():
    """What real trees hold: ftp URLs, and files the operator supplies (empty url, a filename)."""
    db, findings = check_pkgs_db(f"""\
[pkg_fw]
description: Firmware
version: 1
files: from-ftp supplied
install: copy

[file_from-ftp]
url: ftp://ftp.example.test/pub/fw.bin
size: 10
sha1sum: {SHA1}

[file_supplied]
url:
filename: Licensed Firmware 1.2.zip
size: 20
sha1sum: {SHA1}

[install_copy]
a-b: cp $FILE1 $FILE2 firmware/
""", "pkgs.db")
    assert findings == []
    assert [(f.filename, f.supplied) for f in db.files] == [("fw.bin", False), ("Licensed Firmware 1.2.zip", True)]


MD5 = "0123456789abcdef0123456789abcdef"


def test_an_md5_sha1sum_is_a_warning_on_a_supplied_file_and_an_error_on_a_downloaded_one():
    _, findings = check_pkgs_db(f"""\
[pkg_fw]
description: Firmware
version: 1
files: supplied downloaded

[file_supplied]
url:
filename: fw.zip
size: 20
sha1sum: {MD5}

[file_downloaded]
url: https://example.test/fw2.zip
size: 20
sha1sum: {MD5}
""", "pkgs.db")
    assert [(f.line, f.severity, f.code) for f in findings] == [
        (10, "warning", "supplied-file-sha1sum"), (15, "error", "file-sha1sum"), (4, "warning", "pkg-no-install")]
    assert "has 32 hex digits (an MD5?), not 40: provd never checks it" in findings[0].message
    assert "every download fails its SHA-1 check" in findings[1].message


def test_file_names_provd_cannot_use():
    _, findings = check_pkgs_db(f"""\
[pkg_fw]
description: Firmware
version: 1
files: nameless twin twin2
install: copy

[file_nameless]
url:
size: 1
sha1sum: {SHA1}

[file_twin]
url: https://example.test/a/fw.bin
size: 1
sha1sum: {SHA1}

[file_twin2]
url: https://example.test/b/fw.bin
size: 1
sha1sum: {SHA1}

[install_copy]
a-b: cp $FILE2 $FILE3 firmware/

[install_spare]
this-is-not-checked: at all
""", "pkgs.db")
    assert [(f.line, f.code, f.message) for f in findings] == [
        (8, "file-name", "[file_nameless] has an empty url (a file the operator supplies) but no filename: give the "
                         "name the file has in provd's cache"),
        (17, "file-name", "[file_twin2] and [file_twin] both name the file 'fw.bin' (fetchfw refuses two files with "
                          "one path)"),
        (25, "unused-section", "[install_spare] is not used by any pkg section"),
    ]


def test_extra_files_in_pkgs_are_read_as_part_of_pkgs_db(tmp_path):
    from repo.validation.builtplugin import validate_built_tree
    root = tmp_path / "p"
    write = {"plugin-info": '{"version": "1", "description": "d", "capabilities": {}}',
             "entry.py": "class P:\n    IS_PLUGIN = True\n", "pkgs/pkgs.db": "",
             "pkgs/more.db": "[pkg_x]\ndescription: d\nversion: 1\n", "pkgs/README": "Firmware notes\n",
             "pkgs/.hidden": "ignored by fetchfw\n", "pkgs/old/pkgs.db": ""}
    for name, text in write.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    findings = [f for f in validate_built_tree(root, "p") if f.path.startswith("pkgs/")]
    assert [(f.path, f.code) for f in findings] == [
        ("pkgs/README", "pkgs-syntax"), ("pkgs/more.db", "pkgs-extra-file"), ("pkgs/old", "pkgs-syntax"),
        ("pkgs/.hidden", "stray-file")]  # fetchfw skips dot-files; the package should not carry it either


def test_a_clean_file_and_its_remote_files():
    db, findings = check_pkgs_db(b"[pkg_a]\ndescription: d\nversion: 1\nfiles: f\ninstall: i\n\n"
                                 b"[file_f]\nurl: https://example.test/dl/f.bin\nsize: 3\n"
                                 b"sha1sum: " + b"0" * 40 + b"\n\n[install_i]\na-b: cp $FILE1 b/\n", "pkgs.db")
    assert findings == []
    assert db == PkgsDb((RemoteFile("f", "f.bin", 3, "0" * 40, 7, "https://example.test/dl/f.bin"),))


def test_not_utf8():
    db, findings = check_pkgs_db(b"[pkg_a]\ndescription: caf\xe9\n", "p/pkgs.db")
    assert db is None and [str(f) for f in findings] == [
        "p/pkgs.db: error[pkgs-syntax]: not UTF-8 text (invalid continuation byte at byte 24)"]


def test_every_bad_line_of_an_unparsable_file_is_reported():
    _, findings = check_pkgs_db("[pkg_a]\nno delimiter here\nversion: 1\nneither here\n", "pkgs.db")
    assert [(f.line, f.message.split(" (")[0]) for f in findings] == [
        (2, "cannot parse 'no delimiter here'"), (4, "cannot parse 'neither here'")]


# Lines made of the pieces pkgs.db files are made of, so the generator reaches deep into the checks.
PIECES = st.sampled_from([
    "[pkg_a]", "[pkg_b]", "[file_f]", "[file_g]", "[install_i]", "[install_]", "[DEFAULT]", "[other]", "[",
    "description: d", "version = 1", "files: f g", "files:", "install: i $ARG1 x", "install:", "depends: b a",
    "id: x", "url: http://h.test/f.bin", "url: https://[::1/", "url: ftp://h/x", "size: 12", "size: -1",
    "sha1sum: " + "a" * 40, "sha1sum: xyz", "filename: ../x", "downloader: auth", "a-b: unzip $FILE1",
    "b-c: cp b/$ARG2 $FILE0 c", "a-a: null", "x-y-z: untar", "c-b: exclude", "-: 7z", "a-b:", "  continued",
    "; comment", "# comment", "", "key", "=value",
])
LINES = st.lists(st.one_of(PIECES, st.text(string.printable, max_size=30)), max_size=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES, st.sampled_from(["\n", "\r\n"]))
def test_random_pkgs_db_texts_never_crash_the_check(lines, newline):
    text = newline.join(lines)
    db, findings = check_pkgs_db(text, "pkgs.db")
    assert db is None or isinstance(db, PkgsDb)
    assert all(isinstance(f, Finding) and f.path == "pkgs.db" for f in findings)
    assert all(f.line is None or 1 <= f.line <= text.count("\n") + 1 for f in findings)
    if db is None:
        assert any(f.is_error for f in findings)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash_the_check(data):
    db, findings = check_pkgs_db(data, "pkgs.db")
    assert db is not None or findings


def test_a_million_problems_cost_bounded_memory_and_name_how_many_more():
    """8 MiB of ``files = a a a ...`` once made a million findings (1.6 GB): the first ones are kept, then a count."""
    from repo.validation.pkgsdb import MAX_FINDINGS

    text = "[pkg_x]\ndescription = d\nversion = 1\nfiles = " + " ".join(f"f{n}" for n in range(300_000)) + "\n"
    _, findings = check_pkgs_db(text, "pkgs.db")
    assert len(findings) == MAX_FINDINGS + 1
    assert findings[-1].message == f"and {300_000 + 1 - MAX_FINDINGS} more problems in pkgs.db (not listed)"
    assert findings[0].message == "[pkg_x] lists file 'f0' but there is no [file_f0] section"
