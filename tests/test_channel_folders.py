"""Channels published under other folder names (`dev` -> `testing`), on a local folder and on S3."""
from __future__ import annotations

import json
import subprocess
import urllib.request

import boto3

from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.folders import ChannelFolders
from repo.publish.httpmeta import LONG_CACHE, SHORT_CACHE, http_meta
from tests.conftest import INV, run_inv
from tests.repo_fixtures import dev_build

MAPPING = {"dev": "testing", "archive": "old"}


def ids_in(storage, folder: str) -> list[str]:
    return sorted(plugin_id for plugin_id, _ in Index.from_bytes(storage.get(f"{folder}/plugins.db")).items())


def test_every_publishing_task_uses_the_configured_folders(repo_address, tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3", "beta": "1.0"})
    (tmp_path / "invoke.yaml").write_text(f"provd:\n  repo: {repo_address}\n  channels: {json.dumps(MAPPING)}\n")

    def inv(*args: str) -> subprocess.CompletedProcess:
        done = run_inv("-f", "invoke.yaml", *args, cwd=tmp_path)
        assert done.returncode == 0, (args, done.stderr)
        return done

    raw = open_repository(repo_address)  # the repository as HTTP clients see it: folder names
    inv("upload")
    assert raw.list("testing") == ["acme-0.3.tar.bz2", "beta-1.0.tar.bz2", "index.html", "plugins.db"]
    assert raw.list("dev") == []
    assert ids_in(raw, "testing") == ["acme", "beta"]
    assert "<h1>provd plugins: testing channel</h1>" in raw.get("testing/index.html").decode()

    listed = json.loads(inv("list", "--channel", "dev", "--json").stdout)
    assert [p["id"] for p in listed["plugins"]] == ["acme", "beta"] and listed["channel"] == "dev"
    assert inv("diff", "dev", "stable").stdout.startswith("promoting dev into stable: 2 new, 0 unchanged\n+ acme 0.3: new")

    inv("promote", "acme")
    assert ids_in(raw, "stable") == ["acme"]
    assert raw.get("stable/acme-0.3.tar.bz2") == (build_dir / "dev/acme-0.3.tar.bz2").read_bytes()

    inv("remove", "--channel", "dev", "beta")
    assert ids_in(raw, "testing") == ["acme"] and "beta-1.0.tar.bz2" not in raw.list("testing")
    assert ids_in(raw, "old") == ["beta"] and raw.stat("old/beta-1.0.tar.bz2") is not None
    assert "<h1>provd plugins: old channel</h1>" in raw.get("old/index.html").decode()
    assert raw.list("archive") == []

    inv("download-stable")
    assert sorted(p.name for p in (build_dir / "stable").glob("*.tar.bz2")) == ["acme-0.3.tar.bz2"]
    (build_dir / "stable/beta-1.0.tar.bz2").write_bytes((build_dir / "dev/beta-1.0.tar.bz2").read_bytes())
    inv("upload-stable")
    assert ids_in(raw, "stable") == ["acme", "beta"]
    assert ids_in(raw, "testing") == ["acme"]  # nothing went to a folder named after a channel
    assert raw.list("dev") == [] and raw.list("archive") == []


def test_packages_in_a_renamed_channel_folder_are_served_as_immutable(aws_env, moto_endpoint):
    from tests.s3server import new_bucket

    bucket = new_bucket(moto_endpoint)
    storage = open_repository(f"s3://{bucket}/plugins/2", channels=ChannelFolders.parse(MAPPING))
    storage.put("dev/acme-1.0.tar.bz2", b"pkg")
    storage.put("firmwares/acme/f-1.0.tar.bz2", b"firmware")
    client = boto3.client("s3", endpoint_url=moto_endpoint)
    head = client.head_object(Bucket=bucket, Key="plugins/2/testing/acme-1.0.tar.bz2")
    assert (head["ContentType"], head["CacheControl"]) == ("application/x-bzip2", LONG_CACHE)
    assert client.head_object(Bucket=bucket, Key="plugins/2/firmwares/acme/f-1.0.tar.bz2")["CacheControl"] == \
        SHORT_CACHE
    assert http_meta("dev/x-1.tar.bz2", ("testing",)).cache_control == SHORT_CACHE  # not a channel folder there


def test_inv_serve_names_and_caches_the_configured_folders(tmp_path):
    repo = tmp_path / "repo"
    (tmp_path / "invoke.yaml").write_text(f"provd:\n  repo: {repo}\n  channels: {{dev: testing, stable: prod}}\n")
    dev_build(tmp_path, {"acme": "0.3"})
    assert run_inv("-f", "invoke.yaml", "upload", cwd=tmp_path).returncode == 0
    process = subprocess.Popen([*INV, "-f", "invoke.yaml", "serve", "--port", "0"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        base = line.split(" at ", 1)[1].split()[0]
        assert f"(plugin server URL: {base}prod/)" in line
        with urllib.request.urlopen(f"{base}testing/acme-0.3.tar.bz2", timeout=10) as response:
            assert response.headers["Cache-Control"] == LONG_CACHE
        with urllib.request.urlopen(f"{base}testing/", timeout=10) as response:
            assert b"provd plugins: testing channel" in response.read()
    finally:
        process.terminate()
        process.wait(10)
