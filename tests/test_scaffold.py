"""``inv new-plugin``: what it generates builds, validates and passes its own test; bad input writes nothing."""
from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path

import pytest

import build
import tasks
from repo.dhcp.bundle import render_bundle, write_bundle
from repo.dhcp.data import load_dhcp_data
from repo.errors import ToolchainError
from repo.scaffold import TEST_FILE, create, plan_plugin
from repo.ui.cli import accept_trailing_words
from repo.validation.pkgsdb import check_pkgs_db
from tests.conftest import run_inv
from tests.dhcpd import dhcpd_check, extract_like_dhcpd_update

MODELS = ("P1", "P10", "X-2.b")


def scaffold(root: Path, vendor: str = "Acme", version: str = "2.8.1", models=MODELS) -> Path:
    (root / "plugins").mkdir(parents=True, exist_ok=True)
    return create(root / "plugins", plan_plugin(vendor, version, models))


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> Path:
    """A project root holding plugins/xivo_acme/, as generated."""
    root = tmp_path_factory.mktemp("project")
    scaffold(root)
    return root


def test_generated_files(scaffolded):
    assert sorted(files_under(scaffolded)) == [
        "plugins/xivo_acme/2.8.1/entry.py",
        "plugins/xivo_acme/2.8.1/pkgs/pkgs.db",
        "plugins/xivo_acme/2.8.1/plugin-info",
        "plugins/xivo_acme/2.8.1/templates/P1.tpl",
        "plugins/xivo_acme/2.8.1/templates/P10.tpl",
        "plugins/xivo_acme/2.8.1/templates/X-2.b.tpl",
        "plugins/xivo_acme/__init__.py",
        "plugins/xivo_acme/build.py",
        "plugins/xivo_acme/common/__init__.py",
        "plugins/xivo_acme/common/common.py",
        "plugins/xivo_acme/common/templates/base.tpl",
        "plugins/xivo_acme/common/tests/__init__.py",
        "plugins/xivo_acme/common/tests/test_common.py",
        "plugins/xivo_acme/dhcp.toml",
    ]
    info = json.loads((scaffolded / "plugins/xivo_acme/2.8.1/plugin-info").read_text())
    assert info["version"] == "0.1"
    assert info["description"] == "Plugin for Acme P1, P10 and X-2.b in version 2.8.1."
    assert info["description_fr"] == "Greffon pour Acme P1, P10 et X-2.b en version 2.8.1."
    assert list(info["capabilities"]) == ["Acme, P1, 2.8.1", "Acme, P10, 2.8.1", "Acme, X-2.b, 2.8.1"]


def test_generated_plugin_builds_without_warning_and_validates_clean(scaffolded, tmp_path):
    output = io.StringIO()
    result = build.build(scaffolded / "plugins", tmp_path / "out", jobs=1, stream=output)
    assert result.ok, result.failures
    assert [t.pg_id for t in result.built] == ["xivo-acme-2.8.1"]
    assert output.getvalue() == "[1/1] built   xivo-acme-2.8.1-0.1.tar.bz2 (xivo_acme:2.8.1)\n"
    assert json.loads((tmp_path / "out/dev/plugins.db").read_bytes())["xivo-acme-2.8.1"]["version"] == "0.1"

    checked = build.check(scaffolded / "plugins", jobs=1)
    assert (checked.checked, checked.findings) == (1, [])


def test_generated_dhcp_data_is_accepted_by_dhcpd(scaffolded, tmp_path):
    bundle = write_bundle(render_bundle(load_dhcp_data(scaffolded / "plugins"), scaffolded / "plugins"),
                          tmp_path / "dhcpd.tar.bz2")
    extract_like_dhcpd_update(bundle, tmp_path / "etc")
    done = dhcpd_check(tmp_path / "etc")
    assert done.returncode == 0, done.stderr
    conf = (tmp_path / "etc/dhcpd_update/acme.conf").read_text()
    assert 'match if substring(option vendor-class-identifier, 0, 7) = "acme_P1";' in conf
    assert 'match if substring(option vendor-class-identifier, 0, 10) = "acme_X-2.b";' in conf


def test_pkgs_db_example_validates_once_uncommented(scaffolded):
    text = (scaffolded / "plugins/xivo_acme/2.8.1/pkgs/pkgs.db").read_text()
    example = text[text.index("# [pkg_"):]
    uncommented = "".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                          for line in example.splitlines(keepends=True))
    database, findings = check_pkgs_db(uncommented, "pkgs.db")
    assert findings == []
    assert [f.filename for f in database.files] == ["firmware-2.8.1.zip"]


def test_same_inputs_give_the_same_files(scaffolded, tmp_path):
    assert files_under(scaffold(tmp_path)) == files_under(scaffolded / "plugins/xivo_acme")


def test_version_and_vendor_shape_the_names(tmp_path):
    folder = scaffold(tmp_path, vendor="ZedCorp", version="1.0-rc1", models=["Z1"])
    assert folder.name == "xivo_zedcorp"
    assert "from ..common import ZedCorpDHCPDeviceInfoExtractor," in (folder / TEST_FILE).read_text()
    assert "@target('1.0-rc1', 'xivo-zedcorp-1.0-rc1')\ndef build_1_0_rc1(path):" in (folder / "build.py").read_text()
    assert "class ZedCorpPlugin(BaseZedCorpPlugin):" in (folder / "1.0-rc1/entry.py").read_text()
    assert "MODELS = ('Z1',)" in (folder / "1.0-rc1/entry.py").read_text()
    assert 'vendor = "ZedCorp"\nprovd_path = "/ZedCorp"' in (folder / "dhcp.toml").read_text()


# --- refusals: one line, nothing written ----------------------------------------------------------

@pytest.mark.parametrize("vendor, version, models, message", [
    ("../x", "1.0", ["P1"], "vendor '../x' must be a letter followed by letters or digits (e.g. Acme)"),
    ("", "1.0", ["P1"], "vendor '' must be a letter followed by letters or digits (e.g. Acme)"),
    ("Acme Inc", "1.0", ["P1"], "vendor 'Acme Inc' must be a letter followed by letters or digits (e.g. Acme)"),
    ("3Com", "1.0", ["P1"], "vendor '3Com' must be a letter followed by letters or digits (e.g. Acme)"),
    ("Acme", "", ["P1"], "version '' is not a firmware version like 1.0 or 2.8.1"),
    ("Acme", "latest", ["P1"], "version 'latest' is not a firmware version like 1.0 or 2.8.1"),
    ("Acme", "1.0/../x", ["P1"], "version '1.0/../x' is not a firmware version like 1.0 or 2.8.1"),
    ("Acme", "1.0~beta", ["P1"], "version '1.0~beta' is not a firmware version like 1.0 or 2.8.1"),
    ("Acme", "1.0", [], "no models: give at least one"),
    ("Acme", "1.0", ["P1", "../P2"], "model '../P2' must be letters, digits"),
    ("Acme", "1.0", ["P1, P2"], "model 'P1, P2' must be letters, digits"),
    ("Acme", "1.0", ["base"], "model 'base' must be letters, digits, '.', '_', '+' or '-', starting with a letter or "
                              "digit, and not base"),
    ("Acme", "1.0", ["P1", "p1"], "model 'p1' is given twice"),
])
def test_bad_names_are_refused_before_anything_is_written(tmp_path, vendor, version, models, message):
    (tmp_path / "plugins").mkdir()
    with pytest.raises(ToolchainError) as refused:
        scaffold(tmp_path, vendor, version, models)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)
    assert files_under(tmp_path) == {} and list((tmp_path / "plugins").iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    folder = scaffold(tmp_path)
    before = files_under(tmp_path)
    with pytest.raises(ToolchainError, match=f"^{folder}: already exists: not overwritten"):
        scaffold(tmp_path, models=["Other"])
    assert files_under(tmp_path) == before


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    (tmp_path / "plugins").mkdir()
    write_text = Path.write_text

    def disk_full_at_the_test(path, *args, **kwargs):
        if path.name == "test_common.py":
            raise OSError(28, "No space left on device", str(path))
        return write_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full_at_the_test)
    with pytest.raises(ToolchainError, match="cannot write the new plugin: No space left on device"):
        create(tmp_path / "plugins", plan_plugin("Acme", "1.0", ["P1"]))
    assert list((tmp_path / "plugins").iterdir()) == []


def test_a_missing_plugins_folder_is_refused(tmp_path):
    with pytest.raises(ToolchainError, match="plugins folder not found"):
        create(tmp_path / "nope", plan_plugin("Acme", "1.0", ["P1"]))
    assert list(tmp_path.iterdir()) == []


# --- the task ---------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, expected", [
    (["new-plugin", "Acme", "P1", "P2"], ["new-plugin", "Acme", "--models=P1", "--models=P2"]),
    (["new-plugin", "--version", "2.0", "Acme", "P1"], ["new-plugin", "--version", "2.0", "Acme", "--models=P1"]),
    (["new-plugin", "--vendor", "Acme", "P1"], ["new-plugin", "--vendor", "Acme", "--models=P1"]),
    (["new-plugin", "--vendor=Acme", "P1"], ["new-plugin", "--vendor=Acme", "--models=P1"]),
    (["new-plugin", "--vendor", "Acme", "--models", "P1", "P2"],
     ["new-plugin", "--vendor", "Acme", "--models", "P1", "--models=P2"]),
])
def test_bare_words_after_the_vendor_are_models(argv, expected):
    assert accept_trailing_words({"new-plugin": (tasks.new_plugin, "models")}, argv) == expected


def next_commands(output: str) -> list[list[str]]:
    """The commands of the "next:" hint new-plugin prints, as argument lists."""
    [hint] = [line for line in output.splitlines() if line.startswith("next: ")]
    return [shlex.split(command) for command in re.findall(r"`([^`]+)`", hint)]


def run_as_printed(command: list[str], cwd: Path):
    assert command[0] == "inv", command
    return run_inv(*command[1:], cwd=cwd)


@pytest.mark.provd
def test_inv_new_plugin_end_to_end(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    done = run_inv("new-plugin", "--version", "2.8.1", "Acme", "P1", "--models", "P2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "created plugins/xivo_acme/ (xivo-acme-2.8.1: P1, P2) and its test plugins/xivo_acme/common/tests/test_common.py",
        "next: fill in the places marked EDIT ME, then `inv validate --strict xivo_acme` and `inv test xivo_acme`"]
    capabilities = json.loads((plugins / "xivo_acme/2.8.1/plugin-info").read_text())["capabilities"]
    assert list(capabilities) == ["Acme, P1, 2.8.1", "Acme, P2, 2.8.1"]

    validate, test = (run_as_printed(command, tmp_path) for command in next_commands(done.stdout))
    assert (validate.returncode, validate.stdout) == (0, "1 plugin checked: 0 errors, 0 warnings: ok\n")
    assert test.returncode == 0 and test.stdout.endswith("\n1 plugin tested: ok\n"), test.stdout + test.stderr
    assert int(re.match(r"xivo_acme: (\d+) passed", test.stdout)[1]) == 18  # each generated test ran, and passed

    before = files_under(tmp_path)
    again = run_inv("new-plugin", "Acme", "P3", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (1, "error: plugins/xivo_acme: already exists: not overwritten "
                                                   "(choose another vendor or remove it)\n")
    bad = run_inv("new-plugin", "../x", "P3", cwd=tmp_path)
    assert (bad.returncode, bad.stderr) == (1, "error: vendor '../x' must be a letter followed by letters or digits "
                                               "(e.g. Acme)\n")
    assert files_under(tmp_path) == before


@pytest.mark.provd
def test_the_hint_works_as_printed_with_a_plugins_folder_elsewhere(tmp_path):
    plugins = tmp_path / "my repo/plugins"
    plugins.mkdir(parents=True)
    done = run_inv("new-plugin", "--plugins-dir", str(plugins), "Acme", "P1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    commands = next_commands(done.stdout)
    assert commands == [["inv", "validate", "--strict", "--plugins-dir", str(plugins), "xivo_acme"],
                        ["inv", "test", "--plugins-dir", str(plugins), "xivo_acme"]]
    elsewhere = tmp_path / "somewhere else"
    elsewhere.mkdir()
    for command in commands:
        ran = run_as_printed(command, elsewhere)
        assert ran.returncode == 0, ran.stdout + ran.stderr
