"""Shared fixtures: small build plugin trees written into temporary folders."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
        "1.0/entry.py": "execfile_('common.py', globals())\n",
        "2.0/plugin-info": plugin_info("1.2"),
        "2.0/entry.py": "execfile_('common.py', globals())\n",
    })
    (folder / "common/run.sh").write_text("#!/bin/sh\n")
    (folder / "common/run.sh").chmod(0o755)
    return folder


@pytest.fixture
def plugins_dir(tmp_path: Path) -> Path:
    root = tmp_path / "plugins"
    root.mkdir()
    return root



# Repositories (a local folder or a bucket of moto's S3 server) for the publishing tests.
from tests.repo_fixtures import aws_env, dev_build, fault_proxy, moto_endpoint, repo_address  # noqa: E402,F401
