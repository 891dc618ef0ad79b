"""Text that cannot be encoded (a lone surrogate such as \\ud800): refused when validated, harmless when read."""
from __future__ import annotations

import io
import json

import pytest

from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.check import check_repository
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.publish.stablesync import download_stable
from repo.ui.progress import TransferProgress
from repo.validation.plugininfo import check_plugin_info
from tests.conftest import plugin_info, run_inv, write_tree
from tests.repo_fixtures import dev_build

LONE = "\ud800"


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


@pytest.mark.parametrize("where, text", [
    ("description", '"description": "broken \\ud800 text"'),
    ("description_fr", '"description_fr": "\\udfff"'),
    ("vendor", '"vendor": "Acme\\ud83d"'),
    ("a capability key", '"capabilities": {"Acme, P\\ud800, 1.0": {}}'),
    ("a nested value", '"capabilities": {"Acme, P1, 1.0": {"label": ["ok", {"x": "\\udc00"}]}}'),
])
def test_validation_refuses_a_lone_surrogate(where, text):
    base = json.loads(plugin_info("1.0"))
    source = json.dumps(base)[:-1] + ", " + text + "}"
    _, findings = check_plugin_info(source, "plugin-info")
    [finding] = [f for f in findings if "cannot be encoded" in f.message]
    assert finding.is_error and finding.line == 1, finding


def test_a_valid_surrogate_pair_is_an_emoji_and_fine():
    source = plugin_info("1.0", description="phones \U0001F4DE").replace("\\ud83d\\udcde", "\\ud83d\\udcde")
    info, findings = check_plugin_info(source.encode(), "plugin-info")
    assert [f for f in findings if f.is_error] == [] and info["description"] == "phones \U0001F4DE"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_validation_refuses_numbers_json_does_not_have(constant):
    source = plugin_info("1.0")[:-1] + f', "plugin_iface_version_min": {constant}}}'
    _, findings = check_plugin_info(source, "plugin-info")
    assert any(f.is_error and f"{constant} is not JSON" in f.message for f in findings), findings


def test_build_refuses_such_a_plugin(tmp_path):
    write_tree(tmp_path / "plugins/acme", {
        "build.py": "import shutil\n@target('1', 'acme')\ndef b(path):\n    shutil.copy('plugin-info', path)\n"
                    "    shutil.copy('entry.py', path)\n",
        "plugin-info": plugin_info("1.0").replace('"A test plugin"', '"A test \\ud800 plugin"'),
        "entry.py": "class Plugin:\n    IS_PLUGIN = True\n",
    })
    result = run_inv("build", cwd=tmp_path)
    assert result.returncode == 1 and "cannot be encoded" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def storage(repo_address):
    return open_repository(repo_address)


def test_a_channel_holding_such_text_is_not_bricked(storage, tmp_path, repo_address):
    """An index written by something else names a description with a lone surrogate: publishing goes on."""
    build_dir = dev_build(tmp_path / "b", {"acme": "1.0", "beta": "1.0"})
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    stable = read_index(storage, "stable")
    entry = dict(stable.index.get("acme"), description=f"hostile {LONE}\x1b[2J text")
    storage.put_if("stable/plugins.db", Index({"acme": entry}).to_bytes(), stable.tag)
    assert b"\\ud800" in storage.get("stable/plugins.db")  # what provd reads fine too

    apply(plan_promote(storage, "dev", "stable", ["beta"]), quiet())  # rewrites the page of that index
    page = storage.get("stable/index.html").decode("utf-8")
    assert "hostile \ufffd" in page and "\x1b" not in page
    assert sorted(read_index(storage, "stable").index.filenames()) == ["acme-1.0.tar.bz2", "beta-1.0.tar.bz2"]
    assert check_repository(storage).problems == []
    download_stable(storage, tmp_path / "mirror", quiet())

    listed = run_inv("list", "--repo", repo_address, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "\\ud800" in listed.stdout and "\x1b" not in listed.stdout
    for command in (["list", "--json"], ["diff", "dev", "stable"], ["diff", "dev", "stable", "--json"]):
        result = run_inv(*command, "--repo", repo_address, cwd=tmp_path)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (command, result.stderr)
        assert "\x1b" not in result.stdout
