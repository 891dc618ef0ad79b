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


# --- repositories: a local folder or a bucket of a real S3 endpoint ---------------------------

from tests.s3server import FaultProxy, new_bucket, start_moto  # noqa: E402


@pytest.fixture(scope="session")
def moto_endpoint():
    server, endpoint = start_moto()
    yield endpoint
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, tmp_path, moto_endpoint) -> dict[str, str]:
    """Dummy credentials and the moto endpoint, for this test only; nothing read from ~/.aws."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
                 "PROVD_REPO"):
        monkeypatch.delenv(name, raising=False)
    values = {
        "AWS_ACCESS_KEY_ID": "testing-key-id",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-never-printed",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def fault_proxy(aws_env, moto_endpoint, monkeypatch):
    """A proxy in front of moto that the test can make fail; S3 clients made now go through it."""
    proxy = FaultProxy(moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.close()


@pytest.fixture(params=["local", "s3"])
def repo_address(request, tmp_path) -> str:
    """The address of an empty repository: a local folder, or a prefix of a fresh moto bucket."""
    if request.param == "local":
        return str(tmp_path / "repo")
    env = request.getfixturevalue("aws_env")
    return f"s3://{new_bucket(env['AWS_ENDPOINT_URL'])}/plugins"


def dev_build(root: Path, versions: dict[str, str], **info) -> Path:
    """Build one plugin per id at the given version with build.build(); return the build folder."""
    import io

    import build

    plugins = root / "plugins"
    for plugin_id, version in versions.items():
        write_tree(plugins / plugin_id, {
            "build.py": f"""\
                import shutil
                @target('t', {plugin_id!r})
                def build_it(path):
                    shutil.copy('plugin-info', path)
                    shutil.copy('entry.py', path)
                """,
            "plugin-info": plugin_info(version, **info),
            "entry.py": f"# {plugin_id} {version}\n",
        })
    result = build.build(plugins, root / "_build", jobs=1, stream=io.StringIO())
    assert result.ok, result.failures
    return root / "_build"
