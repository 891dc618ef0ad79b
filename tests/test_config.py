"""The project configuration (``provd`` in Invoke's config) and the two ways of working with it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from invoke import Config

from repo.errors import ToolchainError
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.folders import ChannelFolders
from repo.ui.config import project_config
from tests.conftest import fresh_checkout, run_inv
from tests.repo_fixtures import dev_build


def from_file(path: Path, text: str) -> Config:
    """Invoke's configuration as `inv -f PATH` loads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    config = Config(runtime_path=str(path))
    config.load_runtime()
    return config


def test_without_configuration_the_defaults_are_relative_to_the_current_folder():
    config = project_config(Config())
    assert (config.plugins(None), config.build(None)) == (Path("plugins"), Path("_build"))
    assert config.channels == ChannelFolders() and config.channels.is_identity
    assert config.settings == {}


def test_paths_in_a_file_are_relative_to_its_folder_and_options_win(tmp_path):
    config = project_config(from_file(tmp_path / "repo/invoke.yaml", """\
provd:
  plugins_dir: plugins
  build_dir: ../out
  repo: www/plugins/2
  endpoint_url: https://s3.example.test
  channels: {dev: testing}
"""))
    assert config.plugins(None) == tmp_path / "repo/plugins"
    assert config.build(None) == tmp_path / "repo/../out"
    assert config.settings["repo"] == str(tmp_path / "repo/www/plugins/2")
    assert config.settings["endpoint_url"] == "https://s3.example.test"
    assert config.channels.folder("dev") == "testing" and config.channels.folder("stable") == "stable"
    assert config.plugins("mine") == Path("mine") and config.build("out2") == Path("out2")


def test_absolute_paths_and_remote_repositories_are_kept(tmp_path):
    config = project_config(from_file(tmp_path / "invoke.yaml", """\
provd:
  plugins_dir: /srv/plugins
  repo: s3://bucket/plugins/2
"""))
    assert config.plugins(None) == Path("/srv/plugins")
    assert config.settings["repo"] == "s3://bucket/plugins/2"


def test_the_file_given_with_f_wins_over_the_project_file_and_each_path_follows_its_own_file(tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project/invoke.yaml").write_text("provd:\n  plugins_dir: theirs\n  build_dir: built\n")
    (tmp_path / "runtime").mkdir()
    (tmp_path / "runtime/run.yaml").write_text("provd:\n  plugins_dir: mine\n")
    config = Config(project_location=str(tmp_path / "project"), runtime_path=str(tmp_path / "runtime/run.yaml"))
    config.load_project()
    config.load_runtime()
    settings = project_config(config)
    assert settings.plugins(None) == tmp_path / "runtime/mine"
    assert settings.build(None) == tmp_path / "project/built"


@pytest.mark.parametrize("text, message", [
    ("provd: [a, b]\n", "provd: must be a mapping of settings, not list"),
    ("provd:\n  plugin_dir: x\n", "provd.plugin_dir: unknown setting (known: plugins_dir, build_dir, "),
    ("provd:\n  build_dir: 3\n", "provd.build_dir: must be a non-empty string, not 3"),
    ("provd:\n  repo: ''\n", "provd.repo: must be a non-empty string, not ''"),
    ("provd:\n  channels: testing\n", "provd.channels: must map channel names to folder names"),
    ("provd:\n  channels: {devel: testing}\n", "provd.channels: unknown channel 'devel' (channels: dev, stable, archive)"),
    ("provd:\n  channels: {dev: plugins/2/testing}\n",
     "provd.channels: dev: 'plugins/2/testing' is not a plain folder name (letters, digits, '.', '_', '-'; not "
     "hidden) (a path prefix such as plugins/2 belongs in repo)"),
    ("provd:\n  channels: {dev: ..}\n", "provd.channels: dev: '..' is not a plain folder name"),
    ("provd:\n  channels: {dev: .hidden}\n", "provd.channels: dev: '.hidden' is not a plain folder name"),
    ("provd:\n  channels: {dev: 7}\n", "provd.channels: dev: 7 is not a plain folder name"),
    ("provd:\n  channels: {dev: stable}\n", "provd.channels: channels dev and stable are both published in folder "
                                          "'stable'"),
    ("provd:\n  channels: {dev: old, archive: old}\n", "provd.channels: channels dev and archive are both published"),
    ("provd:\n  channels: {archive: firmwares}\n", "provd.channels: archive: folder 'firmwares' is where the "
                                                 "repository keeps firmware files"),
])
def test_a_bad_setting_is_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "invoke.yaml"
    with pytest.raises(ToolchainError) as caught:
        project_config(from_file(path, text))
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)


def test_every_channel_can_be_mapped():
    channels = ChannelFolders.parse({"dev": "testing", "stable": "production", "archive": "old"})
    assert channels.published() == ("testing", "production", "old")
    assert channels.key("archive/x-1.0.tar.bz2") == "old/x-1.0.tar.bz2"
    assert channels.key("firmwares/acme/f.zip") == "firmwares/acme/f.zip"
    # channels may swap folders: each key is mapped once
    swapped = ChannelFolders.parse({"dev": "stable", "stable": "dev"})
    assert (swapped.key("dev/plugins.db"), swapped.key("stable/plugins.db")) == ("stable/plugins.db", "dev/plugins.db")


def test_a_bad_configuration_stops_every_task_with_one_line(tmp_path):
    (tmp_path / "invoke.yaml").write_text("provd:\n  channels: {dev: stable}\n")
    for task in ("build", "validate", "list", "upload", "clean", "upload-firmwares"):
        done = run_inv("-f", "invoke.yaml", task, cwd=tmp_path)
        assert done.returncode == 1
        assert done.stderr == ("error: invoke.yaml: provd.channels: channels dev and stable are both published in "
                               "folder 'stable'\n"), task


# --- the two ways of working ------------------------------------------------------------------

def index_ids(path: Path) -> list[str]:
    return sorted(json.loads(path.read_bytes()))


def inv_in(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    """`inv ARGS` typed in a toolchain checkout: its own tasks.py, found from the current folder."""
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=checkout, capture_output=True, text=True,
                          timeout=300)


def test_way_one_the_toolchain_checkout_holds_the_plugins(tmp_path):
    """`inv` in the checkout: plugins/ and _build/ there, an invoke.yaml next to tasks.py for the repository."""
    checkout = fresh_checkout(tmp_path / "toolchain")
    (checkout / "invoke.yaml").write_text("provd:\n  repo: www/plugins/2\n  channels: {dev: testing}\n")
    done = inv_in(checkout, "build")
    assert done.returncode == 0, done.stderr
    assert index_ids(checkout / "_build/dev/plugins.db") == ["xivo-digium-1.1.0.0", "xivo-digium-2.8.1"]
    done = inv_in(checkout, "upload")
    assert done.returncode == 0, done.stderr
    published = checkout / "www/plugins/2/testing"
    assert index_ids(published / "plugins.db") == ["xivo-digium-1.1.0.0", "xivo-digium-2.8.1"]
    assert not (checkout / "www/plugins/2/dev").exists()


MAINTAINER_CONFIG = """\
provd:
  plugins_dir: plugins
  build_dir: _build
  repo: www/plugins/2
  channels: {dev: testing}
"""


def maintainer_repository(root: Path) -> Path:
    """A plugins repository of its own: plugins/acme and an invoke.yaml, no toolchain code."""
    dev_build(root, {"acme": "0.3"})
    shutil.rmtree(root / "_build")
    (root / "invoke.yaml").write_text(MAINTAINER_CONFIG)
    return root


def test_way_two_the_toolchain_used_from_another_repository(tmp_path):
    """`inv -r <toolchain> -f <their invoke.yaml>` from anywhere: every path is the repository's own."""
    repository = maintainer_repository(tmp_path / "wazo-provd-plugins")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = "../wazo-provd-plugins/invoke.yaml"
    done = run_inv("-f", config, "build", cwd=elsewhere)  # run_inv: `inv --search-root <toolchain>`
    assert done.returncode == 0, done.stderr
    assert index_ids(repository / "_build/dev/plugins.db") == ["acme"]
    assert not (elsewhere / "_build").exists()
    done = run_inv("-f", config, "upload", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    storage = open_repository(str(repository / "www/plugins/2"), channels=ChannelFolders.parse({"dev": "testing"}))
    assert [plugin_id for plugin_id, _ in read_index(storage, "dev").index.items()] == ["acme"]
    # and from inside the repository, as its maintainers usually run it
    done = run_inv("-f", "invoke.yaml", "list", "--channel", "dev", "--json", cwd=repository)
    assert done.returncode == 0, done.stderr
    assert [p["id"] for p in json.loads(done.stdout)["plugins"]] == ["acme"]


def test_a_mistyped_build_dir_never_publishes_the_toolchains_sample_plugins(tmp_path):
    checkout = fresh_checkout(tmp_path / "toolchain")
    assert inv_in(checkout, "build").returncode == 0  # the sample plugins, in the toolchain's _build
    repository = maintainer_repository(tmp_path / "wazo-provd-plugins")
    done = run_inv("-f", "invoke.yaml", "upload", "--build-dir", str(checkout / "_build"), cwd=repository)
    assert done.returncode == 1
    assert done.stderr == (f"error: {checkout}/_build: built from {checkout}/plugins, not from the configured "
                           f"plugins folder {repository}/plugins: check --build-dir (or --plugins-dir, "
                           "provd.plugins_dir)\n")
    assert not (repository / "www").exists()
