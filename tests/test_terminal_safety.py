"""What reaches the terminal: no escape sequence from a repository, no secret from an address."""
from __future__ import annotations

import hashlib
import io
import json
import shutil

import pytest

from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.ui.progress import TransferProgress
from repo.ui.terminal import printable
from tests.conftest import plugin_info, run_inv
from tests.repo_fixtures import dev_build

ESC = "\x1b"
CLEAR = "\x1b[2J"


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def no_escape(result) -> None:
    assert ESC not in result.stdout and ESC not in result.stderr, result
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("text, shown", [
    ("\x1b[2J", "\\x1b[2J"), ("a\rb\nc", "a\\rb\\nc"), ("\u202eevil", "\\u202eevil"), ("\ud800", "\\ud800"),
    ("line\u2028sep", "line\\u2028sep"), ("plain é 日本 \U0001F4DE", "plain é 日本 \U0001F4DE"),
])
def test_printable(text, shown):
    assert printable(text) == shown


@pytest.fixture
def hostile(tmp_path):
    """A local repository whose folder name carries an escape sequence (every URL printed carries it), with
    dev and stable published, and an index entry whose description clears the screen."""
    repo = tmp_path / f"repo{CLEAR}x"
    storage = open_repository(str(repo))
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"}, description=f"clear {CLEAR} screen")
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    return repo, build_dir


@pytest.mark.parametrize("command", [
    ["remove", "--channel", "stable", "acme", "--dry-run"],
    ["remove", "--channel", "stable", "acme"],
    ["promote", "beta", "--dry-run"],
    ["promote", "beta"],
    ["promote", "nope"],
    ["download-stable", "--dry-run"],
    ["download-stable"],
    ["upload-stable", "--dry-run"],
    ["list", "--channel", "dev"],
    ["diff", "dev", "stable"],
    ["check"],
])
def test_no_escape_sequence_reaches_the_terminal(hostile, tmp_path, command):
    repo, build_dir = hostile
    if command[0] == "upload-stable":
        assert run_inv("download-stable", "--repo", str(repo), "--build-dir", str(build_dir), cwd=tmp_path)\
            .returncode == 0
    extra = ["--build-dir", str(build_dir)] if command[0].endswith("-stable") else []
    result = run_inv(*command, "--repo", str(repo), *extra, cwd=tmp_path)
    no_escape(result)
    if command[0] != "diff":  # the one that does not name the repository
        assert "\\x1b[2J" in result.stdout + result.stderr  # the repository's name, shown escaped


def test_upload_stable_output_and_errors(hostile, tmp_path):
    repo, build_dir = hostile
    assert run_inv("download-stable", "--repo", str(repo), "--build-dir", str(build_dir), cwd=tmp_path).returncode == 0
    shutil.copy(build_dir / "dev/beta-1.0.tar.bz2", build_dir / "stable")
    uploaded = run_inv("upload-stable", "--repo", str(repo), "--build-dir", str(build_dir), cwd=tmp_path)
    assert uploaded.returncode == 0, uploaded.stderr
    no_escape(uploaded)
    assert "uploaded " in uploaded.stderr and "\\x1b[2J" in uploaded.stderr
    (build_dir / f"stable/evil{CLEAR}-1.0.tar.bz2").write_bytes(b"not a package")
    refused = run_inv("upload-stable", "--repo", str(repo), "--build-dir", str(build_dir), cwd=tmp_path)
    assert refused.returncode == 1 and "evil\\x1b[2J-1.0.tar.bz2" in refused.stderr
    no_escape(refused)


def test_promote_errors_about_a_hostile_index(tmp_path):
    """An entry whose description clears the screen and whose package is another plugin's."""
    repo = tmp_path / "repo"
    storage = open_repository(str(repo))
    build_dir = dev_build(tmp_path / "b", {"a-1.0": "2.0"})
    data = (build_dir / "dev/a-1.0-2.0.tar.bz2").read_bytes()
    storage.put("dev/a-1.0-2.0.tar.bz2", data)
    entry = json.loads(plugin_info("1.0-2.0", description=CLEAR)) | {
        "filename": "a-1.0-2.0.tar.bz2", "dsize": len(data), "sha1sum": hashlib.sha1(data).hexdigest()}
    storage.put("dev/plugins.db", Index({"a": entry}).to_bytes())
    result = run_inv("promote", "--repo", str(repo), "a", cwd=tmp_path)
    assert result.returncode == 1 and "holds plugin 'a-1.0', not 'a'" in result.stderr
    no_escape(result)


SECRET_ADDRESSES = ["s3://AKIAEXAMPLEKEY:wJalrXUtnFEMI-SECRET@provd-plugins/x", "s3://AKIAEXAMPLEKEY@provd-plugins",
                    "file://AKIAEXAMPLEKEY:wJalrXUtnFEMI-SECRET@localhost/tmp/x"]


@pytest.mark.parametrize("address", SECRET_ADDRESSES)
@pytest.mark.parametrize("command", [["upload"], ["download-stable"], ["list"], ["check"], ["promote", "acme"]])
def test_credentials_in_an_address_are_refused_without_being_repeated(aws_env, tmp_path, address, command):
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3"})
    extra = ["--build-dir", str(build_dir)] if command[0] in ("upload", "download-stable") else []
    result = run_inv(*command, "--repo", address, *extra, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: invalid repository address ") and "credentials do not belong" in \
        result.stderr and result.stderr.count("\n") == 1
    for secret in ("AKIAEXAMPLEKEY", "wJalrXUtnFEMI"):
        assert secret not in result.stdout + result.stderr
    assert not (build_dir / "stable").exists()  # no .origin.json recording it either


@pytest.mark.parametrize("endpoint", ["ht!tp://AKIAEXAMPLEKEY:wJalrXUtnFEMI-SECRET@localhost", "localhost:9000"])
def test_an_endpoint_url_boto3_refuses_is_one_line_without_its_secret(aws_env, tmp_path, endpoint):
    result = run_inv("list", "--repo", "s3://provd-plugins", cwd=tmp_path, env={"AWS_ENDPOINT_URL": endpoint})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: invalid S3 endpoint URL") and result.stderr.count("\n") == 1
    assert "AKIAEXAMPLEKEY" not in result.stderr and "wJalrXUtnFEMI" not in result.stderr
