"""Publishing when things go wrong: interrupted runs, flaky or failing S3, two publishers at once."""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import subprocess

import pytest

from repo.catalog.page import described_index_sha1
from repo.errors import ToolchainError
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.check import check_repository
from repo.publish.plan import apply, plan_upload
from repo.publish.storage.local import LocalStorage
from repo.ui.progress import TransferProgress
from tests.conftest import INV, run_inv
from tests.pages import package_links
from tests.repo_fixtures import dev_build
from tests.s3server import new_bucket


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def assert_consistent(storage) -> None:
    """The consistency check of `inv check` finds no problem (every index valid, every package it names there
    with its size and SHA-1, and the package it says), and every package a catalog page links to is there."""
    assert check_repository(storage).problems == []
    for channel in ("dev", "stable", "archive"):
        for name in package_links(storage.get(f"{channel}/index.html") or b""):
            assert storage.stat(f"{channel}/{name}") is not None, f"{channel}/index.html links to missing {name}"


def assert_page_describes_index(storage, channel: str) -> None:
    index = storage.get(f"{channel}/plugins.db")
    page = storage.get(f"{channel}/index.html")
    assert described_index_sha1(page) == hashlib.sha1(index).hexdigest()
    assert package_links(page) == read_index(storage, channel).index.filenames()


def versions(storage, channel: str) -> dict[str, str]:
    return {pid: entry["version"] for pid, entry in read_index(storage, channel).index.items()}


class Crash(BaseException):
    """A process dying mid-way: nothing after it runs, no error handling catches it."""


class CrashingLocal(LocalStorage):
    """The local backend, as if the process died at its ``allowed``-th operation."""

    OPERATIONS = {"get", "stat", "list", "read", "put", "put_if", "copy", "delete"}

    def __init__(self, root, allowed: int):
        super().__init__(root)
        self.allowed = allowed

    def __getattribute__(self, name):
        if name in CrashingLocal.OPERATIONS:
            if self.allowed == 0:
                raise Crash()
            self.allowed -= 1
        return super().__getattribute__(name)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("builds")
    return dev_build(root / "v1", {"acme": "0.3", "beta": "1.0"}), \
        dev_build(root / "v2", {"acme": "0.4", "beta": "1.0", "gamma": "2.0"})


def _interrupted(backend: str, allowed: int, request, tmp_path):
    """A repository holding the v1 publish, and a view of it that fails after ``allowed`` operations."""
    if backend == "local":
        root = tmp_path / f"repo-{allowed}"
        return LocalStorage(root), CrashingLocal(root, allowed), (Crash, ToolchainError)
    proxy = request.getfixturevalue("fault_proxy")
    endpoint = request.getfixturevalue("moto_endpoint")
    address = f"s3://{new_bucket(endpoint)}/plugins"
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    direct = open_repository(address)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    through_proxy = open_repository(address)
    proxy.heal()
    proxy.fail_after(allowed, "cut" if allowed % 2 else "500")
    return direct, through_proxy, (ToolchainError,)


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_an_interrupted_publish_leaves_a_valid_index_and_a_rerun_completes_it(backend, builds, request, tmp_path,
                                                                               monkeypatch):
    """Interrupt the publish at every single step in turn: before, at and after each request."""
    if backend == "s3":
        request.getfixturevalue("fault_proxy")  # sets the AWS variables up: before overriding one
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # fail at once: no retry hides the fault
    v1, v2 = builds
    interrupted_at = []
    for allowed in range(200):
        direct, failing, errors = _interrupted(backend, allowed, request, tmp_path)
        apply(plan_upload(direct, v1 / "dev"), quiet())
        if allowed == 0:  # the same first publish every time: checked once
            assert_consistent(direct)
        before = direct.get("dev/plugins.db")
        try:
            apply(plan_upload(failing, v2 / "dev"), quiet())
        except errors:
            interrupted_at.append(allowed)
        else:
            break
        assert_consistent(direct)
        assert direct.get("dev/plugins.db") in (before, (v2 / "dev/plugins.db").read_bytes())
        apply(plan_upload(direct, v2 / "dev"), quiet())  # the rerun
        assert direct.get("dev/plugins.db") == (v2 / "dev/plugins.db").read_bytes()
        assert versions(direct, "archive") == {"acme": "0.3"}
        assert_page_describes_index(direct, "dev")
        assert_page_describes_index(direct, "archive")
        assert sorted(direct.list("dev")) == ["acme-0.4.tar.bz2", "beta-1.0.tar.bz2", "gamma-2.0.tar.bz2",
                                              "index.html", "plugins.db"], f"interrupted after {allowed}"
        assert_consistent(direct)
    assert interrupted_at == list(range(len(interrupted_at))) and len(interrupted_at) >= 15


class StopServerOnUpload(TransferProgress):
    """Shuts the S3 endpoint down the moment the first package starts uploading."""

    def __init__(self, proxy):
        super().__init__(io.StringIO())
        self.proxy = proxy

    @contextlib.contextmanager
    def transfer(self, verb, name, total):
        self.proxy.close()
        with super().transfer(verb, name, total) as update:
            yield update


def test_s3_server_stopped_mid_publish(builds, fault_proxy, moto_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    v1, v2 = builds
    address = f"s3://{new_bucket(moto_endpoint)}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    direct = open_repository(address)
    apply(plan_upload(direct, v1 / "dev"), quiet())
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    through_proxy = open_repository(address)
    with pytest.raises(ToolchainError, match=r"cannot reach the S3 endpoint http://127\.0\.0\.1:\d+"):
        apply(plan_upload(through_proxy, v2 / "dev"), StopServerOnUpload(fault_proxy))
    assert direct.get("dev/plugins.db") == (v1 / "dev/plugins.db").read_bytes()
    assert_consistent(direct)
    apply(plan_upload(direct, v2 / "dev"), quiet())
    assert direct.get("dev/plugins.db") == (v2 / "dev/plugins.db").read_bytes()
    assert_consistent(direct)


def test_transient_s3_errors_are_retried(builds, fault_proxy, moto_endpoint):
    address = f"s3://{new_bucket(moto_endpoint)}"
    storage = open_repository(address)  # through the proxy
    fault_proxy.fail_next(2, "503")
    apply(plan_upload(storage, builds[0] / "dev"), quiet())
    assert storage.get("dev/plugins.db") == (builds[0] / "dev/plugins.db").read_bytes()
    assert_consistent(storage)
    # The plan's first round trip sends two requests at once (index, listing); the next two answers fail,
    # and each request that failed is sent again until it goes through, before any other request.
    assert len(set(fault_proxy.requests[:4])) == 2 and len(fault_proxy.requests) >= 4


@pytest.mark.parametrize("how, message", [
    ("403", "access denied"),
])
def test_permanent_s3_errors_stop_with_one_line(builds, fault_proxy, moto_endpoint, how, message):
    storage = open_repository(f"s3://{new_bucket(moto_endpoint)}/plugins")
    fault_proxy.fail_after(0, how)
    with pytest.raises(ToolchainError, match=message) as caught:
        plan_upload(storage, builds[0] / "dev")
    # The index and the listing go together; the listing is not sent if the index's answer came first.
    assert len(fault_proxy.requests) == len(set(fault_proxy.requests)) in (1, 2)  # neither retried
    assert str(caught.value).startswith("s3://provd-plugins-") and "\n" not in str(caught.value)


def test_missing_bucket(aws_env, builds):
    with pytest.raises(ToolchainError, match=r"^s3://provd-no-such-bucket: no such bucket$"):
        plan_upload(open_repository("s3://provd-no-such-bucket/x"), builds[0] / "dev")


def test_no_credentials(aws_env, builds, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(ToolchainError, match="no AWS credentials found"):
        plan_upload(open_repository("s3://provd-plugins"), builds[0] / "dev")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_endpoint_is_named_without_its_credentials(aws_env, builds, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://someone:hunter2@127.0.0.1:{free_port()}")
    with pytest.raises(ToolchainError, match=r"cannot reach the S3 endpoint http://127\.0\.0\.1:\d+ ") as caught:
        plan_upload(open_repository("s3://provd-plugins"), builds[0] / "dev")
    assert "hunter2" not in str(caught.value) and "someone" not in str(caught.value)


# --- through the command line --------------------------------------------------------------------


def test_cli_error_is_one_line_and_never_shows_credentials(aws_env, builds, tmp_path):
    result = run_inv("upload", "--repo", "s3://provd-no-such-bucket", "--build-dir", str(builds[0]),
                     cwd=builds[0].parent)
    assert result.returncode == 1
    assert result.stderr == "error: s3://provd-no-such-bucket: no such bucket\n"
    plan = run_inv("upload", "--repo", "s3://provd-no-such-bucket", "--build-dir", str(builds[0]), "--dry-run",
                   cwd=builds[0].parent)
    for output in (result.stdout, result.stderr, plan.stdout, plan.stderr):
        assert aws_env["AWS_SECRET_ACCESS_KEY"] not in output and aws_env["AWS_ACCESS_KEY_ID"] not in output


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_two_publishers_at_once_both_end_up_in_the_index(backend, tmp_path, request):
    """Two `inv upload` processes push different plugins to one channel at the same moment, several times."""
    env = request.getfixturevalue("aws_env") if backend == "s3" else {}
    first = dev_build(tmp_path / "first", {"alpha": "1.0"})
    second = dev_build(tmp_path / "second", {"omega": "2.0"})
    for attempt in range(3):
        if backend == "s3":
            address = f"s3://{new_bucket(env['AWS_ENDPOINT_URL'])}/plugins"
        else:
            address = str(tmp_path / f"repo-{attempt}")
        processes = [subprocess.Popen([*INV, "upload",
                                       "--repo", address, "--build-dir", str(build_dir)],
                                      cwd=build_dir.parent, env={**os.environ, **env}, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
                     for build_dir in (first, second)]
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
        storage = open_repository(address)
        assert versions(storage, "dev") == {"alpha": "1.0", "omega": "2.0"}
        assert_consistent(storage)
        assert_page_describes_index(storage, "dev")  # the last page written describes the last index
