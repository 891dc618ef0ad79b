"""DHCP data in validation and builds: checked once per build plugin, never packaged, never a rebuild."""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import build
from tests.conftest import acme_plugin, run_inv, valid_plugin, write_tree

ACME = 'vendor = "Acme"\nprovd_path = "/Acme"\n'


def two_targets(plugins_dir: Path) -> Path:
    """acme_plugin (targets 1.0 and 2.0) with models P1, P2 in 1.0 and P1, P2, P3 in 2.0."""
    folder = acme_plugin(plugins_dir)
    for version, models in (("1.0", ["P1", "P2"]), ("2.0", ["P1", "P2", "P3"])):
        info = json.loads((folder / version / "plugin-info").read_text())
        info["capabilities"] = {f"Acme, {m}, {version}": {"lines": 1} for m in models}
        (folder / version / "plugin-info").write_text(json.dumps(info))
    return folder


def test_models_without_data_are_one_warning_per_build_plugin(plugins_dir):
    folder = two_targets(plugins_dir)
    findings = build.check(plugins_dir, jobs=1).findings
    assert [str(f) for f in findings] == [
        f"{folder / 'dhcp.toml'}: warning[dhcp-coverage]: models P2, P3 have no DHCP data (no class or MAC prefix of "
        "their vendor names them): their phones will not be pointed at provd by the Wazo server's DHCP"]


def test_a_mac_prefix_or_vendor_only_data_covers_models(plugins_dir):
    folder = two_targets(plugins_dir)
    (folder / "dhcp.toml").write_text(ACME + '[[class]]\nmodel = "P1"\nvendor_class_prefix = "acme_P1"\n'
                                      '[[mac_prefix]]\nprefix = "00:0a:cc"\nmodels = ["P2"]\n')
    write_tree(plugins_dir, {"_dhcp/acme-old.toml": 'vendor = "ACME"\nprovd_path = "/Acme"\n[[class]]\n'
                                                    'name = "AcmeOldP3"\nmodel = "P3"\nmatch = [{ exact = "Acme P3" }]\n'})
    assert build.check(plugins_dir, jobs=1).findings == []
    (folder / "dhcp.toml").unlink()
    [finding] = build.check(plugins_dir, jobs=1).findings
    assert finding.message.startswith("models P1, P2 have no DHCP data (no class or MAC prefix")
    (plugins_dir / "_dhcp/acme-old.toml").unlink()
    [finding] = build.check(plugins_dir, jobs=1).findings
    assert finding.message.startswith("models P1, P2, P3 have no DHCP data (no dhcp.toml next to build.py, no data "
                                      "for their vendor in _dhcp/)")
    assert finding.code == "dhcp-coverage" and finding.path == str(folder / "dhcp.toml")


def test_broken_data_is_an_error_at_its_line_and_selection_limits_what_is_checked(plugins_dir):
    folder = two_targets(plugins_dir)
    (folder / "dhcp.toml").write_text(ACME + '[[class]]\nmodel = "P1"\nmatch = [{ prefix = "x", offset = 1 }]\n')
    write_tree(plugins_dir, {"_dhcp/old.toml": 'vendor = "Old"\n[[mac_prefix]]\nprefix = "00:0a"\n'})
    findings = build.check(plugins_dir, jobs=1).findings
    assert [(f.path, f.line, f.severity, f.code) for f in findings if f.is_error] == [
        (str(plugins_dir / "_dhcp/old.toml"), 3, "error", "dhcp-data"),
        (str(folder / "dhcp.toml"), 5, "error", "dhcp-data")]
    selected = build.check(plugins_dir, ["acme"], jobs=1).findings  # vendor-only data is no build plugin's
    assert [f.path for f in selected if f.is_error] == [str(folder / "dhcp.toml")]
    done = run_inv("validate", "--plugins-dir", str(plugins_dir), cwd=plugins_dir.parent)
    assert done.returncode == 1
    assert ("plugins/_dhcp/old.toml:3: error[dhcp-data]: [[mac_prefix]] #1: prefix must be the first three octets"
            in done.stdout.splitlines()[0])


def test_a_conflict_across_vendors_is_found_by_validate(plugins_dir):
    valid_plugin(plugins_dir)
    write_tree(plugins_dir, {"_dhcp/other.toml": 'vendor = "Other"\n[[mac_prefix]]\nprefix = "00:0A:CC"\n'})
    [finding] = build.check(plugins_dir, jobs=1).findings
    assert finding.is_error and "MAC prefix '00:0a:cc' is used by vendor 'Acme'" in finding.message


def test_editing_dhcp_data_rebuilds_nothing_and_is_not_packaged(plugins_dir, tmp_path):
    folder = two_targets(plugins_dir)
    out = io.StringIO()
    first = build.build(plugins_dir, tmp_path / "out", jobs=1, stream=out)
    assert len(first.built) == 2 and first.ok
    assert "warning[dhcp-coverage]: models P2, P3 have no DHCP data" in out.getvalue()
    for package in (tmp_path / "out" / "dev").glob("*.tar.bz2"):
        assert not [m for m in tarfile.open(package).getnames() if m.endswith("dhcp.toml")]
    (folder / "dhcp.toml").write_text(ACME + '[[class]]\nmodels = ["P1", "P2", "P3"]\nname = "AcmeAll"\n'
                                      'vendor_class_prefix = "acme_"\n')
    out = io.StringIO()
    second = build.build(plugins_dir, tmp_path / "out", jobs=1, stream=out)
    assert (len(second.built), len(second.cached)) == (0, 2) and second.ok
    assert "dhcp" not in out.getvalue()
    (folder / "dhcp.toml").write_text(ACME + "[[class]]\n")
    third = build.build(plugins_dir, tmp_path / "out", jobs=1, stream=io.StringIO())
    assert (len(third.built), len(third.cached)) == (0, 2)
    assert third.failures == [f"{folder / 'dhcp.toml'}:3: error[dhcp-data]: [[class]] #1: needs match (a list of "
                              "rules like { prefix = \"acme_P1\" }) or vendor_class_prefix"]
    (folder / "common" / "common.py").write_text("COMMON = 2\n")  # a packaged file still rebuilds
    assert len(build.build(plugins_dir, tmp_path / "out", jobs=1, stream=io.StringIO()).built) == 2
