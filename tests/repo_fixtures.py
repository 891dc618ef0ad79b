"""Fixtures and helpers for publishing tests: repositories on both backends, built packages."""
from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from tests.latencyproxy import distant_s3
from tests.s3server import FaultProxy, new_bucket, start_moto

ONE_WAY_DELAY = 0.04  # seconds: a repository on S3, tens of milliseconds away


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


@pytest.fixture
def distant_endpoint(aws_env, moto_endpoint, monkeypatch) -> str:
    """moto as if ONE_WAY_DELAY away (each way) through a latency proxy; S3 clients made now go through it."""
    with distant_s3(moto_endpoint, ONE_WAY_DELAY) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        yield url


@pytest.fixture(params=["local", "s3"])
def repo_address(request, tmp_path) -> str:
    """The address of an empty repository: a local folder, or a prefix of a fresh moto bucket."""
    if request.param == "local":
        return str(tmp_path / "repo")
    env = request.getfixturevalue("aws_env")
    return f"s3://{new_bucket(env['AWS_ENDPOINT_URL'])}/plugins"


def dev_build(root: Path, versions: dict[str, str], entry_py: str | None = None, **info) -> Path:
    """Build one plugin per id at the given version with build.build(); return the build folder."""
    import io

    import build
    from tests.conftest import (  # here: conftest imports this module
        ENTRY_PY,
        plugin_info,
        write_tree,
    )

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
            "entry.py": f"# {plugin_id} {version}\n{entry_py or ENTRY_PY}",
        })
    result = build.build(plugins, root / "_build", jobs=1, stream=io.StringIO())
    assert result.ok, result.failures
    return root / "_build"


@contextlib.contextmanager
def serving(repo: Path, cwd: Path) -> Iterator[str]:
    """`inv serve` for a local repository on a free port of 127.0.0.1; yields its base URL."""
    from tests.conftest import INV  # here: conftest imports this module

    process = subprocess.Popen([*INV, "serve", "--repo", str(repo), "--port", "0"],
                               cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("serving "), line
        url = line.split(" at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        yield url
    finally:
        process.terminate()
        process.wait(10)
