"""The storage contract, run against both backends: a local folder and S3 (moto over HTTP)."""
from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from repo.errors import ToolchainError
from repo.package.index import Index
from repo.publish.address import open_repository, redact_url, repository_address
from repo.publish.channel import update_index
from repo.publish.httpmeta import LONG_CACHE, SHORT_CACHE, HttpMeta, http_meta
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.publish.storage import Conflict, Stat, TooLarge
from repo.publish.storage.local import KEEP_GENERATIONS, LocalStorage
from repo.publish.storage.s3 import S3Storage
from repo.ui.progress import TransferProgress
from tests.conftest import ROOT
from tests.repo_fixtures import dev_build
from tests.test_package_limits import guard


@pytest.fixture
def storage(repo_address):
    return open_repository(repo_address)


def test_missing_files_read_as_none(storage):
    assert storage.get("dev/plugins.db") is None
    assert storage.read("dev/plugins.db") is None
    assert storage.stat("dev/x.tar.bz2") is None
    assert storage.list("dev") == []
    storage.delete("dev/x.tar.bz2")  # deleting what is not there is fine


def test_put_then_get_stat_list_delete(storage):
    storage.put("dev/a.tar.bz2", b"package bytes")
    storage.put("dev/b.tar.bz2", b"other")
    assert storage.get("dev/a.tar.bz2") == b"package bytes"
    assert storage.stat("dev/a.tar.bz2") == Stat.of(b"package bytes")
    assert storage.list("dev") == ["a.tar.bz2", "b.tar.bz2"]
    storage.delete("dev/a.tar.bz2")
    assert storage.list("dev") == ["b.tar.bz2"]


def test_put_reports_bytes(storage):
    seen = []
    storage.put("dev/big.tar.bz2", b"x" * 3_000_000, seen.append)
    assert seen and seen[-1] == 3_000_000


def test_copy_is_verified(storage):
    storage.put("dev/a.tar.bz2", b"package bytes")
    storage.copy("dev/a.tar.bz2", "stable/a.tar.bz2", Stat.of(b"package bytes"))
    assert storage.get("stable/a.tar.bz2") == b"package bytes"
    with pytest.raises(ToolchainError, match="a.tar.bz2"):
        storage.copy("dev/a.tar.bz2", "archive/a.tar.bz2", Stat.of(b"what the index promised"))


def test_conditional_write_create_then_compare_and_swap(storage):
    storage.put_if("dev/plugins.db", b"{}", None)
    with pytest.raises(Conflict):
        storage.put_if("dev/plugins.db", b"{\"other\":1}", None)  # exists already
    first = storage.read("dev/plugins.db")
    assert first.data == b"{}"
    storage.put_if("dev/plugins.db", b"[1]", first.tag)
    with pytest.raises(Conflict):
        storage.put_if("dev/plugins.db", b"[2]", first.tag)  # stale tag: someone wrote in between
    second = storage.read("dev/plugins.db")
    assert second.data == b"[1]" and second.tag != first.tag
    assert storage.get("dev/plugins.db") == b"[1]"


def _race(address: str, env: dict, tag: str | None, barrier, results, number: int) -> None:
    os.environ.update(env)
    storage = open_repository(address)
    barrier.wait()
    try:
        storage.put_if("dev/plugins.db", f"writer {number}".encode(), tag)
        results.put("won")
    except Conflict:
        results.put("conflict")


@pytest.mark.parametrize("existing", [False, True])
def test_exactly_one_of_simultaneous_writers_wins(repo_address, existing):
    """Processes holding the same version tag write at the same instant: one wins, the others conflict."""
    storage = open_repository(repo_address)
    tag = None
    if existing:
        storage.put_if("dev/plugins.db", b"start", None)
        tag = storage.read("dev/plugins.db").tag
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(4), context.Queue()
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    workers = [context.Process(target=_race, args=(repo_address, env, tag, barrier, results, n)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in workers)
    assert outcomes == ["conflict", "conflict", "conflict", "won"]
    assert storage.get("dev/plugins.db").startswith(b"writer ")


def _add_ids(address: str, env: dict, prefix: str, count: int) -> None:
    os.environ.update(env)
    storage = open_repository(address)
    for n in range(count):
        entry = {"version": "1.0", "description": "d", "capabilities": {}, "filename": f"{prefix}{n}-1.0.tar.bz2",
                 "dsize": 1, "sha1sum": "0" * 40}

        def change(current, plugin_id=f"{prefix}{n}", entry=entry):
            index = Index(dict(current.index.items()))
            index.add(plugin_id, entry)
            return index

        update_index(storage, "dev", change)


def test_no_lost_updates_between_processes(repo_address):
    """Three processes add ids to one index as fast as they can: every id is there at the end."""
    context = multiprocessing.get_context("fork")
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    workers = [context.Process(target=_add_ids, args=(repo_address, env, prefix, 12)) for prefix in "abc"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    index = Index.from_bytes(open_repository(repo_address).get("dev/plugins.db"))
    assert sorted(pid for pid, _ in index.items()) == sorted(f"{p}{n}" for p in "abc" for n in range(12))


# --- the local backend's generations -------------------------------------------------------

def test_local_generations_are_pruned_and_a_stale_writer_still_conflicts(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put_if("dev/plugins.db", b"0", None)
    stale = storage.read("dev/plugins.db").tag
    for n in range(1, KEEP_GENERATIONS + 5):
        storage.put_if("dev/plugins.db", str(n).encode(), storage.read("dev/plugins.db").tag)
    generations = sorted(os.listdir(tmp_path / "dev/.plugins.db.generations"), key=int)
    assert len(generations) <= KEEP_GENERATIONS + 1
    assert "2" not in generations  # the generation after the stale tag was pruned away
    with pytest.raises(Conflict):
        storage.put_if("dev/plugins.db", b"stale", stale)
    assert storage.get("dev/plugins.db") == str(KEEP_GENERATIONS + 4).encode()
    assert "2" not in os.listdir(tmp_path / "dev/.plugins.db.generations")


def test_local_reader_brings_a_lagging_served_file_up_to_date(tmp_path):
    """A writer killed between creating its generation and serving it leaves no stale index behind."""
    storage = LocalStorage(tmp_path)
    storage.put_if("dev/plugins.db", b"old", None)
    generations = tmp_path / "dev/.plugins.db.generations"
    (generations / "2").write_bytes(b"new")  # what the killed writer had created
    assert (tmp_path / "dev/plugins.db").read_bytes() == b"old"
    assert storage.read("dev/plugins.db").data == b"new"
    assert (tmp_path / "dev/plugins.db").read_bytes() == b"new"


def test_local_index_written_by_another_tool_counts_as_generation_zero(tmp_path):
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/plugins.db").write_bytes(b"classic")
    storage = LocalStorage(tmp_path)
    found = storage.read("dev/plugins.db")
    assert found.data == b"classic"
    with pytest.raises(Conflict):
        storage.put_if("dev/plugins.db", b"x", None)
    storage.put_if("dev/plugins.db", b"ours", found.tag)
    assert (tmp_path / "dev/plugins.db").read_bytes() == b"ours"
    assert storage.list("dev") == ["plugins.db"]  # generations are hidden


def test_local_files_are_world_readable(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("dev/a.tar.bz2", b"a")
    storage.put_if("dev/plugins.db", b"{}", None)
    for name in ("a.tar.bz2", "plugins.db"):
        assert (tmp_path / "dev" / name).stat().st_mode & 0o777 == 0o644


def test_local_keys_cannot_leave_the_repository(tmp_path):
    with pytest.raises(ToolchainError, match="invalid repository key"):
        LocalStorage(tmp_path).put("../outside", b"x")


# --- S3 specifics ----------------------------------------------------------------------------

def test_s3_objects_carry_http_metadata_and_acl(aws_env, moto_endpoint):
    from tests.s3server import new_bucket

    bucket = new_bucket(moto_endpoint)
    storage = open_repository(f"s3://{bucket}/plugins", {"acl": "public-read"})
    storage.put("dev/acme-1.0.tar.bz2", b"pkg")
    storage.copy("dev/acme-1.0.tar.bz2", "stable/acme-1.0.tar.bz2", Stat.of(b"pkg"))
    storage.put_if("dev/plugins.db", b"{}", None)
    storage.put("dhcpd-update/dhcpd.tar.bz2", b"bundle")
    client = boto3.client("s3", endpoint_url=moto_endpoint)
    expected = {
        "dev/acme-1.0.tar.bz2": ("application/x-bzip2", LONG_CACHE),
        "stable/acme-1.0.tar.bz2": ("application/x-bzip2", LONG_CACHE),
        "dev/plugins.db": ("application/json", SHORT_CACHE),
        "dhcpd-update/dhcpd.tar.bz2": ("application/x-bzip2", SHORT_CACHE),
    }
    for key, (content_type, cache) in expected.items():
        head = client.head_object(Bucket=bucket, Key=f"plugins/{key}")
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache), key
        grants = client.get_object_acl(Bucket=bucket, Key=f"plugins/{key}")["Grants"]
        assert any(g["Grantee"].get("URI", "").endswith("/AllUsers") and g["Permission"] == "READ"
                   for g in grants), key


def test_s3_stat_of_an_object_written_without_checksum_hashes_it(aws_env, moto_endpoint):
    from tests.s3server import new_bucket

    bucket = new_bucket(moto_endpoint)
    boto3.client("s3", endpoint_url=moto_endpoint).put_object(Bucket=bucket, Key="dev/old.tar.bz2", Body=b"legacy")
    assert open_repository(f"s3://{bucket}").stat("dev/old.tar.bz2") == Stat.of(b"legacy")


def _answers(storage, operation: str, rewrite) -> list[str]:
    """The operations the storage's client sends, the parsed answers to ``operation`` passed through ``rewrite``."""
    sent = []
    storage.client.meta.events.register("before-send.s3.*", lambda event_name, **kw: sent.append(event_name))
    storage.client.meta.events.register(f"after-call.s3.{operation}", lambda parsed, **kw: rewrite(parsed))
    return sent


@pytest.mark.parametrize("operation", ["PutObject", "CopyObject"])
def test_s3_writes_are_checked_against_the_sha1_the_server_reports(aws_env, moto_endpoint, operation):
    """A server reporting that it stored other bytes than those sent: the write does not count."""
    from repo.publish.storage import VerificationFailed
    from tests.s3server import new_bucket

    storage = open_repository(f"s3://{new_bucket(moto_endpoint)}")
    storage.put("dev/a.tar.bz2", b"package bytes")
    other = "Y3gowDquOK9jnMchIA8lhIZOh5c="  # base64 of the SHA-1 of b"something else"

    def damaged(parsed: dict) -> None:
        (parsed.get("CopyObjectResult") or parsed)["ChecksumSHA1"] = other

    sent = _answers(storage, operation, damaged)
    with pytest.raises(VerificationFailed, match=r"expected sha1 [0-9a-f]{40}, but the server stored sha1 "
                                                 r"637828c03aae38af639cc721200f2584864e8797$"):
        if operation == "PutObject":
            storage.put("dev/b.tar.bz2", b"package bytes")
        else:
            storage.copy("dev/a.tar.bz2", "stable/a.tar.bz2", Stat.of(b"package bytes"))
    assert sent == [f"before-send.s3.{operation}"]  # the answer is the check: no HEAD after it


@pytest.mark.parametrize("operation", ["PutObject", "CopyObject"])
def test_s3_writes_to_a_server_reporting_no_sha1_are_checked_with_a_head(aws_env, moto_endpoint, operation):
    from tests.s3server import new_bucket

    storage = open_repository(f"s3://{new_bucket(moto_endpoint)}")
    storage.put("dev/a.tar.bz2", b"package bytes")
    sent = _answers(storage, operation, lambda parsed: (parsed.get("CopyObjectResult") or parsed).pop("ChecksumSHA1"))
    if operation == "PutObject":
        storage.put("dev/b.tar.bz2", b"package bytes")
    else:
        storage.copy("dev/a.tar.bz2", "stable/a.tar.bz2", Stat.of(b"package bytes"))
    assert sent == [f"before-send.s3.{operation}", "before-send.s3.HeadObject"]
    with pytest.raises(ToolchainError, match="verification failed"):
        storage.copy("dev/a.tar.bz2", "archive/a.tar.bz2", Stat.of(b"what the index promised"))


def test_s3_puts_send_their_body_without_waiting_for_100_continue(aws_env, moto_endpoint):
    """botocore's Expect: 100-continue costs a round trip per file."""
    from tests.s3server import new_bucket

    storage = open_repository(f"s3://{new_bucket(moto_endpoint)}")
    headers = []
    storage.client.meta.events.register("before-send.s3.PutObject",
                                        lambda request, **kw: headers.append(dict(request.headers)))
    storage.put("dev/a.tar.bz2", b"package bytes", lambda done: None)
    storage.put("dev/b.tar.bz2", b"package bytes")
    assert len(headers) == 2 and not any("Expect" in sent for sent in headers)


def test_http_meta_rules():
    assert http_meta("stable/plugins.db").content_type == "application/json"
    assert http_meta("archive/x-1.tar.bz2").cache_control == LONG_CACHE
    assert http_meta("dev/index.html") == http_meta("stable/index.html")
    assert http_meta("dev/index.html") == HttpMeta("text/html; charset=utf-8", SHORT_CACHE)


# --- addresses -------------------------------------------------------------------------------

def test_addresses(tmp_path, aws_env):
    s3 = open_repository("s3://provd-plugins/a/b/")
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.prefix) == ("provd-plugins", "a/b/")
    assert s3.url("dev/plugins.db") == "s3://provd-plugins/a/b/dev/plugins.db"
    assert open_repository("s3://provd-plugins").url("dev/x") == "s3://provd-plugins/dev/x"
    local = open_repository(f"file://{tmp_path}/my%20repo")
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "my repo"
    assert open_repository(str(tmp_path / "r")).root == tmp_path / "r"
    assert open_repository("relative/repo").root == Path.cwd() / "relative/repo"


@pytest.mark.parametrize("address, message", [
    ("s3://", "expected s3://bucket"),
    ("s3://bucket?x=1", "no ?query"),
    ("http://127.0.0.1/repo", "unsupported repository address"),
    ("file://otherhost/repo", "file URLs name a local path"),
])
def test_bad_addresses(address, message):
    with pytest.raises(ToolchainError, match=message.replace("?", r"\?")):
        open_repository(address)


def test_address_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("PROVD_REPO", raising=False)
    default = tmp_path / "_repo"
    assert repository_address(None, {}, default) == str(default)
    assert repository_address(None, {"repo": "s3://configured"}, default) == "s3://configured"
    monkeypatch.setenv("PROVD_REPO", "s3://from-env")
    assert repository_address(None, {"repo": "s3://configured"}, default) == "s3://from-env"
    assert repository_address("s3://option", {"repo": "s3://configured"}, default) == "s3://option"


def test_redact_url():
    assert redact_url("http://user:secret@127.0.0.1:9000/x") == "http://127.0.0.1:9000/x"
    assert redact_url("https://s3.example.org") == "https://s3.example.org"


# --- nothing is read without a bound ---------------------------------------------------------------

def test_reads_stop_at_their_limit(storage):
    storage.put("dev/a.tar.bz2", b"x" * 1000)
    assert storage.get("dev/a.tar.bz2", 1000) == b"x" * 1000
    with pytest.raises(TooLarge, match=r"a\.tar\.bz2: larger than the 999 bytes allowed here"):
        storage.get("dev/a.tar.bz2", 999)
    with pytest.raises(TooLarge):
        storage.read("dev/a.tar.bz2", 10)
    out = io.BytesIO()
    assert storage.download("dev/a.tar.bz2", out, 1000) and out.getvalue() == b"x" * 1000
    with pytest.raises(TooLarge):
        storage.download("dev/a.tar.bz2", io.BytesIO(), 999)
    assert not storage.download("dev/nope.tar.bz2", io.BytesIO(), 10)


MEASURE_REFUSAL = """
import io, sys, tracemalloc
from repo.publish.address import open_repository
from repo.publish.storage import TooLarge
storage = open_repository(sys.argv[1])
tracemalloc.start()
for read in (lambda: storage.download("dev/big.tar.bz2", io.BytesIO(), 258),
             lambda: storage.get("dev/big.tar.bz2", 1 << 20)):
    try:
        read()
    except TooLarge:
        pass
    else:
        sys.exit("not refused")
print(tracemalloc.get_traced_memory()[1])
"""


def test_a_huge_object_is_refused_in_constant_memory(storage, repo_address):
    """A file far larger than the reader allows is refused without being read into memory.

    Measured in a process of its own: moto's server holds the object in this one.
    """
    if isinstance(storage, LocalStorage):
        (storage.root / "dev").mkdir(parents=True)
        with open(storage.root / "dev/big.tar.bz2", "wb") as sparse:
            sparse.truncate(3 << 30)  # 3 GiB, instantly (sparse)
    else:
        storage.put("dev/big.tar.bz2", bytes(48 << 20))
    measured = subprocess.run([sys.executable, "-c", MEASURE_REFUSAL, repo_address], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
    assert measured.returncode == 0, measured.stderr
    assert int(measured.stdout) < 4 << 20


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_local_repository_file_that_is_no_regular_file_is_refused_not_read_for_ever(tmp_path, kind):
    """A fifo blocks its reader; /dev/zero never ends (stat hashes the whole file): both once hung promote."""
    storage = LocalStorage(tmp_path / "repo")
    apply(plan_upload(storage, dev_build(tmp_path / "b", {"acme": "0.3"}) / "dev"), TransferProgress(io.StringIO()))
    target = tmp_path / "repo/stable/acme-0.3.tar.bz2"
    target.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    with guard(30):
        for attempt in (lambda: storage.stat("stable/acme-0.3.tar.bz2"), lambda: storage.get("stable/acme-0.3.tar.bz2"),
                        lambda: plan_promote(storage, "dev", "stable", ["acme"])):
            with pytest.raises(ToolchainError) as caught:
                attempt()
            assert str(caught.value) == f"{target}: not a regular file (a fifo, device or socket)"
