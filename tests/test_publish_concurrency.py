"""Transfers run a few at a time: results in order, the first failure stops the batch, lines whole and in order."""
from __future__ import annotations

import io
import re
import threading

import pytest

from repo.errors import ToolchainError
from repo.publish import concurrency
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.check import check_repository
from repo.publish.concurrency import CONNECTIONS, TRANSFERS, run_all
from repo.publish.plan import apply, plan_upload
from repo.ui.progress import TransferProgress
from tests.repo_fixtures import dev_build
from tests.s3server import new_bucket
from tests.test_progress import Terminal, frames

WAIT = 60  # seconds: only reached when something is broken


def test_items_run_at_once_up_to_the_bound_and_results_keep_their_order():
    """Each item waits for ``workers`` items to be running together: run one after the other, they would never be."""
    barrier = threading.Barrier(4, timeout=WAIT)
    running, most = set(), []
    lock = threading.Lock()

    def work(item: int) -> int:
        with lock:
            running.add(item)
            most.append(len(running))
        barrier.wait()
        with lock:
            running.discard(item)
        return item * item

    assert run_all(range(12), work, workers=4) == [n * n for n in range(12)]
    assert max(most) == 4


def test_the_first_failure_stops_the_batch(monkeypatch):
    """Once an item has failed no item starts; the items running finish; that failure is what is raised."""
    stopped = threading.Event()
    fail = concurrency._Batch.fail

    def failing(batch, exc):
        fail(batch, exc)
        stopped.set()

    monkeypatch.setattr(concurrency._Batch, "fail", failing)
    started, finished = [], []
    both_running = threading.Barrier(2, timeout=WAIT)

    def work(item: int) -> None:
        started.append(item)
        if item < 2:
            both_running.wait()
        if item == 0:
            raise ToolchainError("the upload failed", f"dev/p{item}.tar.bz2")
        assert stopped.wait(WAIT)  # still running when the other failed: it finishes
        finished.append(item)

    with pytest.raises(ToolchainError, match=r"^dev/p0\.tar\.bz2: the upload failed$"):
        run_all(range(20), work, workers=2)
    assert sorted(started) == [0, 1] and finished == [1]


def test_every_kind_of_failure_is_raised_in_the_callers_thread():
    class Interrupted(BaseException):
        pass

    def work(item: int) -> None:
        if item == 3:
            raise Interrupted()

    with pytest.raises(Interrupted):
        run_all(range(8), work, workers=3)


def test_lines_come_whole_and_in_the_items_order_whatever_order_items_finish_in():
    """Item n finishes only after item n + 1 has: the lines still come out 0, 1, 2, ..."""
    out = io.StringIO()
    progress = TransferProgress(out)
    done = [threading.Event() for _ in range(6)]

    def work(item: int) -> None:
        if item + 1 < len(done):
            assert done[item + 1].wait(WAIT)
        progress.note(f"item {item} starts")
        with progress.transfer("uploaded", f"dev/p{item}.tar.bz2", 1000 * (item + 1)):
            pass
        done[item].set()

    run_all(range(6), work, progress, workers=6)
    assert out.getvalue() == "".join(f"item {n} starts\nuploaded dev/p{n}.tar.bz2 ({n + 1}.0 kB)\n" for n in range(6))


def test_a_failed_batch_prints_the_lines_of_the_items_that_finished():
    out = io.StringIO()
    progress = TransferProgress(out)

    def work(item: int) -> None:
        if item == 2:
            raise ToolchainError("refused", f"p{item}")
        progress.note(f"done {item}")

    with pytest.raises(ToolchainError):
        run_all(range(3), work, progress, workers=1)
    assert out.getvalue() == "done 0\ndone 1\n"  # workers=1: one after the other, nothing after the failure


def test_files_in_flight_share_one_live_display_on_a_terminal():
    """rich allows one live display at a time: concurrent transfers each get a bar in it, and their line after."""
    terminal = Terminal()
    progress = TransferProgress(terminal)
    all_in_flight = threading.Barrier(3, timeout=WAIT)

    def work(item: int) -> None:
        with progress.transfer("uploaded", f"dev/p{item}.tar.bz2", 100) as update:
            all_in_flight.wait()
            update(100)

    run_all(range(3), work, progress, workers=3)
    drawn = frames(terminal.getvalue())
    assert [line for line in drawn if line.startswith("uploaded ")] == \
        [f"uploaded dev/p{n}.tar.bz2 (100 bytes)" for n in range(3)]
    assert any(re.match(r"p\d\.tar\.bz2 ", line) for line in drawn)  # the bars were drawn


def test_the_s3_client_pools_as_many_connections_as_requests_run(aws_env):
    """Each transfer of a batch, and the archive step's two requests per package next to the claim steps."""
    storage = open_repository("s3://provd-plugins")
    assert storage.client.meta.config.max_pool_connections == CONNECTIONS >= 2 * TRANSFERS + 2


# --- a transfer failing in the middle of a concurrent batch ------------------------------------


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_transfer_failing_mid_batch_stops_the_rest_and_leaves_the_channel_as_it_was(backend, tmp_path, request):
    """30 new packages; the 15th changes after it was checked: its upload refuses, the batch stops, no index names
    any of them; a rerun publishes them all."""
    if backend == "s3":
        env = request.getfixturevalue("aws_env")
        address = f"s3://{new_bucket(env['AWS_ENDPOINT_URL'])}/plugins"
    else:
        address = str(tmp_path / "repo")
    storage = open_repository(address)
    first = dev_build(tmp_path / "first", {"base": "1.0"})
    apply(plan_upload(storage, first / "dev"), TransferProgress(io.StringIO()))
    before = storage.get("dev/plugins.db")
    ids = {f"p{n:02d}": "1.0" for n in range(30)}
    built = dev_build(tmp_path / "many", ids)
    plan = plan_upload(storage, built / "dev")
    order = [staged.package.filename for staged in plan.staged]
    assert len(order) == 30 and all(staged.action == "upload" for staged in plan.staged)
    changed = built / "dev" / order[14]
    original = changed.read_bytes()
    changed.write_bytes(original + b"\0")
    out = io.StringIO()
    with pytest.raises(ToolchainError) as caught:
        apply(plan, TransferProgress(out))
    assert str(caught.value) == f"{changed}: changed since it was checked; run the command again"
    assert storage.get("dev/plugins.db") == before
    assert check_repository(storage).problems == []
    uploaded = [name for name in order if name in storage.list("dev")]
    assert order[14] not in uploaded
    assert len(uploaded) < 29 and order[-1] not in uploaded  # the items after the failure never started
    shown = [re.fullmatch(r"uploaded (\S+) \([0-9.]+ (?:bytes|kB)\)", line) for line in out.getvalue().splitlines()]
    assert all(shown) and [line[1] for line in shown] == [storage.url(f"dev/{name}") for name in uploaded]
    changed.write_bytes(original)
    apply(plan_upload(storage, built / "dev"), TransferProgress(io.StringIO()))
    assert set(read_index(storage, "dev").index.filenames()) >= set(order)
    assert check_repository(storage).problems == []


# --- round trips -----------------------------------------------------------------------------------


def test_round_trips_per_package_of_a_publish(fault_proxy, moto_endpoint, tmp_path):
    """Over a real network each request costs a round trip: count them (the proxy records every request).

    First publish: one PUT per package, checked against the SHA-1 the server reports (no
    HEAD, no HEAD to find out it is new: one listing says so). No-op: no request per
    package at all, and no package checked again. Promote: per package, one server-side
    copy (checked against the SHA-1 the server reports) of bytes checked here already,
    else first one GET (the source is fetched and checked).
    """
    storage = open_repository(f"s3://{new_bucket(moto_endpoint)}")
    built = dev_build(tmp_path / "b", {f"p{n}": "1.0" for n in range(12)})
    quiet = TransferProgress(io.StringIO())

    def requests_of(work) -> list[str]:
        fault_proxy.requests.clear()
        work()
        return [request.split("?")[0] if "list-type" not in request else "LIST" for request in fault_proxy.requests]

    first = requests_of(lambda: apply(plan_upload(storage, built / "dev"), quiet))
    packages = [r for r in first if r.endswith(".tar.bz2")]
    assert sorted(packages) == sorted(f"PUT /{storage.bucket}/dev/p{n}-1.0.tar.bz2" for n in range(12))
    assert not any(r.startswith("HEAD") for r in first)
    assert len(first) - len(packages) <= 12  # index, claim, page: a fixed number, whatever the packages

    noop = requests_of(lambda: apply(plan_upload(storage, built / "dev"), quiet))
    index = f"GET /{storage.bucket}/dev/plugins.db"
    # Two round trips of two requests each: the plan's (index, listing), the check that nothing changed (index, page).
    assert [sorted(noop[:2]), sorted(noop[2:])] == [sorted([index, "LIST"]),
                                                    sorted([index, f"GET /{storage.bucket}/dev/index.html"])]

    from repo.publish.plan import plan_promote
    ids = [f"p{n}" for n in range(12)]
    promote = requests_of(lambda: apply(plan_promote(storage, "dev", "stable", ids[:6]), quiet))
    per_package = [r for r in promote if r.endswith(".tar.bz2")]
    assert sorted(per_package) == sorted(f"PUT /{storage.bucket}/stable/p{n}-1.0.tar.bz2" for n in range(6))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROVD_VERDICTS_DIR", "off")  # checked nowhere here: fetched and checked
        promote = requests_of(lambda: apply(plan_promote(storage, "dev", "stable", ids), quiet))
    per_package = [r for r in promote if r.endswith(".tar.bz2")]
    assert sorted(per_package) == sorted([f"GET /{storage.bucket}/dev/p{n}-1.0.tar.bz2" for n in range(6, 12)]
                                         + [f"PUT /{storage.bucket}/stable/p{n}-1.0.tar.bz2" for n in range(6, 12)])
    again = requests_of(lambda: apply(plan_promote(storage, "dev", "stable", ids), quiet))
    assert not any(r.endswith(".tar.bz2") for r in again)  # stable holds these very bytes: nothing fetched
    assert check_repository(storage).problems == []


def test_a_noop_upload_checks_no_package_again_but_sees_a_local_file_that_changed(tmp_path, monkeypatch):
    from repo.publish import plan as planning

    storage = open_repository(str(tmp_path / "repo"))
    built = dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"})
    apply(plan_upload(storage, built / "dev"), TransferProgress(io.StringIO()))
    checked = []
    inspect = planning.inspect_package
    monkeypatch.setattr(planning, "inspect_package", lambda path, *args: checked.append(path) or inspect(path, *args))
    assert [staged.action for staged in plan_upload(storage, built / "dev").staged] == ["keep", "keep"]
    assert checked == []  # the channel holds these very bytes: they were checked when they were indexed
    package = built / "dev" / "acme-0.3.tar.bz2"
    package.write_bytes(package.read_bytes()[:-1] + b"\0")
    with pytest.raises(ToolchainError, match=f"^{re.escape(str(package))}: "):
        plan_upload(storage, built / "dev")
    assert checked == [package]


def test_requests_of_a_publish_changing_one_plugin(fault_proxy, moto_endpoint, tmp_path):
    """p0 going 1.0 -> 1.1: its archive and tidy steps ask only what they do not know already.

    Before: 27 requests one after the other. Gone: the tidy step's GET of the archived
    copy (the archive step of this run checked those bytes; tidy compares the size and
    SHA-1 the server reports), its re-read of the index this run just wrote, and its
    listing (the claim step's, taken after staging, will do). The others that do not
    depend on each other run together: the claim steps with the archive step, the
    archive's HEAD with the GET of the package it checks and the read of the archive
    index, the release of the publish claim with tidy's two HEADs, the removal's listing
    of claims with its read of the index.
    """
    storage = open_repository(f"s3://{new_bucket(moto_endpoint)}")
    quiet = TransferProgress(io.StringIO())
    apply(plan_upload(storage, dev_build(tmp_path / "v1", {f"p{n}": "1.0" for n in range(4)}) / "dev"), quiet)
    changed = dev_build(tmp_path / "v2", {"p0": "1.1", **{f"p{n}": "1.0" for n in range(1, 4)}}) / "dev"
    fault_proxy.requests.clear()
    outcome = apply(plan_upload(storage, changed), quiet)
    bucket = f"/{storage.bucket}/"

    def short(request: str) -> str:
        method, path = request.split(" ", 1)
        if "list-type" in path:
            return f"LIST {path.split('prefix=')[1].split('&')[0].replace('%2F', '/')}"
        path = re.sub(r"(publish|delete)-[0-9]+-[0-9a-f]+[.]json", r"\1-claim", path.split("?")[0].removeprefix(bucket))
        return f"{method} {path}"

    seen = [short(request) for request in fault_proxy.requests]
    assert sorted(seen) == sorted([
        "GET dev/plugins.db", "LIST dev/",  # the plan
        "PUT dev/p0-1.1.tar.bz2",  # staged
        "PUT dev/.claims/publish-claim", "LIST dev/.claims/", "LIST dev/",  # claimed, checked there
        "HEAD archive/p0-1.0.tar.bz2", "GET dev/p0-1.0.tar.bz2", "GET archive/plugins.db",  # together
        "PUT archive/p0-1.0.tar.bz2", "PUT archive/plugins.db", "PUT archive/index.html", "GET archive/plugins.db",
        "PUT dev/plugins.db", "PUT dev/index.html", "GET dev/plugins.db",  # the index, its page, the page's check
        "DELETE dev/.claims/publish-claim",  # with tidy's two HEADs: no listing, no index read, no GET
        "HEAD dev/p0-1.0.tar.bz2", "HEAD archive/p0-1.0.tar.bz2",
        "PUT dev/.claims/delete-claim", "LIST dev/.claims/", "GET dev/plugins.db",
        "DELETE dev/p0-1.0.tar.bz2", "DELETE dev/.claims/delete-claim",
    ])
    assert len(seen) == 24  # 27 before, with the plan's index read
    assert seen.count("LIST dev/") == 2  # the plan's, the claim step's (reused by tidy)
    assert "GET archive/p0-1.0.tar.bz2" not in seen and seen.count("GET dev/plugins.db") == 3
    assert outcome.archived == outcome.deleted == ["p0-1.0.tar.bz2"]
    assert check_repository(storage).problems == []
