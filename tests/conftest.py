"""Shared fixtures: small build plugin trees written into temporary folders."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from repo.validation.provdcompat import install_command, provd_import_problem

ROOT = Path(__file__).resolve().parent.parent
INV = [sys.executable, "-m", "invoke", "--search-root", str(ROOT)]  # `inv` with the project's tasks.py


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``provd`` fails, saying how to install provd, when the real provd does not import."""
    if item.get_closest_marker("provd") and provd_import_problem():
        pytest.fail(f"this test needs the real provd, which does not import here ({provd_import_problem()}): "
                    f"install it with `{install_command()}`, or leave the provd tests out with -m 'not provd'",
                    pytrace=False)


@pytest.fixture(autouse=True)
def own_verdicts(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no package checked (repo.package.verdicts), and leaves the user's cache alone."""
    monkeypatch.setenv("PROVD_VERDICTS_DIR", str(tmp_path_factory.mktemp("verdicts")))


def run_inv(*args: str, cwd: Path, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run `inv ARGS` in ``cwd`` as a user would; the user's PROVD_REPO is left out, ``env`` added."""
    environment = {k: v for k, v in os.environ.items() if k != "PROVD_REPO"}
    environment.update(env or {})
    return subprocess.run(INV + list(args), cwd=cwd, env=environment, capture_output=True, text=True, timeout=300,
                          **kwargs)


def fresh_checkout(dest: Path) -> Path:
    """A copy of the toolchain as a fresh clone has it: nothing git ignores (builds, .venv), no .git."""
    def not_in_a_clone(folder: str, names: list[str]) -> set[str]:
        top_level = Path(folder) == ROOT
        return {name for name in names
                if name in (".git", "__pycache__", ".pytest_cache", ".hypothesis")
                or name.endswith((".pyc", ".egg-info")) or top_level and name in (".venv", "_build", "_repo", "build")}

    shutil.copytree(ROOT, dest, ignore=not_in_a_clone, symlinks=True)
    return dest


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    """Create files (parents included) under root; str content is dedented text."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content))


def plugin_info(version: str = "0.1", **extra) -> str:
    info = {"version": version, "description": "A test plugin", "capabilities": {"Acme, P1, 1.0": {"sip.lines": 2}}}
    info.update(extra)
    return json.dumps(info, indent=4)


# The least entry.py validation accepts: a class with a true IS_PLUGIN (provd wants it to
# subclass its Plugin too: tests that load plugins in provd use LOADABLE_ENTRY_PY).
ENTRY_PY = "class Plugin:\n    IS_PLUGIN = True\n"
LOADABLE_ENTRY_PY = ("from wazo_provd.plugins import StandardPlugin\n\n\n"
                     "class Plugin(StandardPlugin):\n    IS_PLUGIN = True\n")

RSYNC_BUILD_FILE = """\
    from subprocess import check_call
    from typing import TYPE_CHECKING

    if TYPE_CHECKING:
        def target(target_id: str, pg_id: str, std_dirs: bool = True): ...


    @target('1.0', 'acme-1.0')
    def build_1_0(path):
        check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
        check_call(['rsync', '-rlp', '--exclude', '.*', '1.0/', path])


    @target('2.0', 'acme-2.0')
    def build_2_0(path):
        check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
        check_call(['rsync', '-rlp', '--exclude', '.*', '2.0/', path])
"""


def acme_plugin(root: Path, name: str = "acme") -> Path:
    """A build plugin in the upstream style: common/ plus one folder per target."""
    folder = root / name
    write_tree(folder, {
        "build.py": RSYNC_BUILD_FILE,
        "common/common.py": "COMMON = True\n",
        "common/templates/base.tpl": "<config>{{ value }}</config>\n",
        "common/.hidden": "not packaged\n",
        "1.0/plugin-info": plugin_info("0.3", description_fr="Un greffon"),
        "1.0/entry.py": "execfile_('common.py', globals())\n\n" + ENTRY_PY,
        "2.0/plugin-info": plugin_info("1.2"),
        "2.0/entry.py": "execfile_('common.py', globals())\n\n" + ENTRY_PY,
        "dhcp.toml": 'vendor = "Acme"\nprovd_path = "/Acme"\n\n[[class]]\nmodel = "P1"\nvendor_class_prefix = "acme_P1"\n',
    })
    (folder / "common/run.sh").write_text("#!/bin/sh\n")
    (folder / "common/run.sh").chmod(0o755)
    return folder


@pytest.fixture
def plugins_dir(tmp_path: Path) -> Path:
    root = tmp_path / "plugins"
    root.mkdir()
    return root


# --- a small plugin that passes every validation rule --------------------------------------

FIRMWARE = b"hello world"  # stands in for _firmwares/acme/p1-1.0.zip
FIRMWARE_SHA1 = "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"

VALID_PLUGIN = {
    "build.py": """\
        from subprocess import check_call


        @target('1.0', 'xivo-acme-1.0')
        def build_1_0(path):
            check_call(['rsync', '-rlp', 'common/', path])
            check_call(['rsync', '-rlp', '1.0/', path])
        """,
    "common/common.py": """\
        from wazo_provd.plugins import StandardPlugin


        class BaseAcmePlugin(StandardPlugin):
            IS_PLUGIN = False
        """,
    "common/templates/base.tpl": """\
        <config>
        {% block settings %}{% endblock %}
        {% include "footer.tpl" %}
        </config>
        """,
    "common/templates/footer.tpl": "<!-- generated by provd -->\n",
    "common/templates/macros.tpl": "{% macro line(n) %}<line>{{ n }}</line>{% endmacro %}\n",
    "common/templates/P1.tpl": """\
        {% extends "base.tpl" %}
        {% import "macros.tpl" as m %}
        {% block settings %}{{ m.line(1) }}{% endblock %}
        """,
    "1.0/plugin-info": """\
        {
            "version": "0.3",
            "description": "Plugin for Acme P1 phones",
            "description_fr": "Greffon pour les téléphones Acme P1",
            "vendor": "Acme",
            "plugin_iface_version_min": 0.2,
            "capabilities": {
                "Acme, P1, 1.0": {
                    "lines": 2,
                    "high_availability": true,
                    "function_keys": 4,
                    "expansion_modules": 0,
                    "switchboard": false,
                    "protocol": "sip",
                    "type": "deskphone"
                },
                "Acme, D1, *": {
                    "lines": 1,
                    "type": "dect",
                    "multicell": true
                }
            }
        }
        """,
    "1.0/entry.py": """\
        common = {}
        execfile_('common.py', common)


        class AcmePlugin(common['BaseAcmePlugin']):
            IS_PLUGIN = True
        """,
    "1.0/pkgs/pkgs.db": f"""\
        [pkg_p1-fw]
        description: Firmware for Acme P1
        description_fr: Micrologiciel pour Acme P1
        version: 1.0
        files: p1-fw
        install: acme-fw P1
        depends: langs

        [pkg_langs]
        description = Language files
        version = 1.0
        files =
        install = nothing

        [file_p1-fw]
        url: https://downloads.acme.test/p1-1.0.zip
        size: {len(FIRMWARE)}
        sha1sum: {FIRMWARE_SHA1}
        downloader: auth

        [install_acme-fw]
        ; unpack, then keep the model's images
        a-b: unzip $FILE1
        b-c: cp b/$ARG1/*.bin firmware/

        [install_nothing]
        a-b: null
        """,
    "dhcp.toml": """\
        vendor = "Acme"
        provd_path = "/Acme"

        [[class]]
        model = "P1"
        vendor_class_prefix = "acme_P1"

        [[mac_prefix]]
        prefix = "00:0a:cc"
        models = ["D1"]
        """,
    "_firmwares/acme/p1-1.0.zip": FIRMWARE,
}


def valid_plugin(plugins_dir: Path, name: str = "xivo_acme", pg_id: str = "xivo-acme-1.0") -> Path:
    """The valid plugin as build plugin ``name`` making ``pg_id`` (firmware included); returns its folder."""
    files = {(k if k.startswith("_") else f"{name}/{k}"): v for k, v in VALID_PLUGIN.items()}
    files[f"{name}/build.py"] = files[f"{name}/build.py"].replace("'xivo-acme-1.0'", repr(pg_id))
    write_tree(plugins_dir, files)
    os.symlink("P1.tpl", plugins_dir / name / "common/templates/P2.tpl")
    return plugins_dir / name

# Repositories (a local folder or a bucket of moto's S3 server) for the publishing tests.
from tests.repo_fixtures import (  # noqa: E402,F401
    aws_env,
    dev_build,
    distant_endpoint,
    fault_proxy,
    moto_endpoint,
    repo_address,
)
from tests.realprovd import provd_reactor  # noqa: E402,F401
