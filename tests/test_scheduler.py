"""Scheduling targets on workers: a build plugin's targets on one worker, the heaviest plugins first."""
from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import build
from repo.build.scheduler import MAX_DEATHS_IN_A_ROW, Job, Queue, folder_size, running
from tests.conftest import acme_plugin

ROOT = Path(__file__).resolve().parent.parent


def jobs(**groups: tuple[int, int]) -> list[Job]:
    """``name=(number of jobs, weight)`` -> jobs ``name1``, ``name2``... of group ``name``."""
    return [Job(group, weight, (f"{group}{n}",)) for group, (count, weight) in groups.items()
            for n in range(1, count + 1)]


def name(job: Job | None) -> str | None:
    return job and job.call[0]


def failed(job: Job, why: str) -> str:
    return f"{job.call[0]}: {why}"


def test_heaviest_group_first_and_a_worker_keeps_to_its_group():
    queue = Queue(jobs(small=(2, 10), big=(3, 500), middle=(2, 100)))
    first, second = queue.next(None), queue.next(None)
    assert (name(first), name(second)) == ("big1", "middle1")
    assert name(queue.next("big")) == "big2"
    assert name(queue.next("middle")) == "middle2"
    assert name(queue.next("middle")) == "small1"  # its group is done: the heaviest group not started
    assert name(queue.next("big")) == "big3"
    assert name(queue.next("small")) == "small2"
    assert queue.next("small") is None


def test_an_idle_worker_helps_with_the_group_that_has_most_jobs_left():
    queue = Queue(jobs(big=(4, 500), small=(1, 10)))
    assert [name(queue.next(None)), name(queue.next(None))] == ["big1", "small1"]
    assert name(queue.next("small")) == "big4"  # taken from the end: big's own worker goes on in order
    assert name(queue.next("big")) == "big2"


def test_ties_keep_the_given_order():
    queue = Queue(jobs(b=(1, 5), a=(1, 5), c=(1, 5)))
    assert [name(queue.next(None)) for _ in range(3)] == ["b1", "a1", "c1"]


def whoami(name: str, suffix: str) -> tuple[str, int]:
    return name + suffix, os.getpid()


def test_workers_run_every_job_in_other_processes():
    with running(jobs(a=(3, 1), b=(3, 2)), whoami, ("!",), workers=2, failed=failed) as results:
        done = list(results)
    assert sorted(name for name, _ in done) == ["a1!", "a2!", "a3!", "b1!", "b2!", "b3!"]
    assert os.getpid() not in {pid for _, pid in done}


def test_one_worker_runs_the_jobs_here_in_queue_order():
    with running(jobs(a=(2, 1), b=(2, 2)), whoami, ("",), workers=1, failed=failed) as results:
        assert list(results) == [("b1", os.getpid()), ("b2", os.getpid()), ("a1", os.getpid()), ("a2", os.getpid())]


def fail_on(name: str, bad: str) -> str:
    if name == bad:
        raise ValueError(f"{name} is bad")
    return name


def test_an_exception_in_a_job_reaches_the_caller():
    with pytest.raises(ValueError, match="a2 is bad"):
        with running(jobs(a=(3, 1)), fail_on, ("a2",), workers=2, failed=failed) as results:
            list(results)


def die_on(name: str, bad: str) -> str:
    if name == bad:
        os._exit(3)
    return name


def test_a_worker_that_dies_costs_its_job_only():
    with running(jobs(a=(4, 1)), die_on, ("a2",), workers=2, failed=failed) as results:
        assert sorted(results) == ["a1", "a2: the worker process running it died (exit status 3)", "a3", "a4"]


def die_noting_the_pid(name: str, pids_file: str) -> str:
    with open(pids_file, "a") as out:
        out.write(f"{os.getpid()}\n")
    os._exit(9)


@pytest.mark.parametrize("threads", [False, True], ids=["forked", "fork-server"])
def test_workers_dying_one_after_another_are_replaced_a_bounded_number_of_times(tmp_path, threads):
    """A machine that kills every worker (out of memory, say) does not get new ones forever."""
    pids_file = tmp_path / "pids"
    stop = threading.Event()
    display = threading.Thread(target=stop.wait)  # a live display: replacements come from a fork server
    if threads:
        display.start()
    try:
        with running(jobs(a=(40, 1)), die_noting_the_pid, (str(pids_file),), workers=2, failed=failed) as results:
            outcomes = list(results)
    finally:
        stop.set()
        if threads:
            display.join()
    assert len(outcomes) == 40
    died = [o for o in outcomes if "died (exit status 9)" in o]
    not_run = [o for o in outcomes if o.endswith(f"not run: {MAX_DEATHS_IN_A_ROW} worker processes died in a row "
                                                 "(last exit status 9)")]
    assert len(died) == len(set(pids_file.read_text().split())) <= 2 + MAX_DEATHS_IN_A_ROW - 1
    assert len(died) + len(not_run) == 40


def parent(name: str) -> int:
    return os.getppid()


def test_workers_start_on_entering(monkeypatch):
    """A live display's thread started inside cannot make them come from a fork server."""
    started = []
    get_context = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda method=None: started.append(method) or get_context(method))
    stop = threading.Event()
    with running(jobs(a=(2, 1), b=(2, 1)), whoami, ("",), workers=2, failed=failed) as results:
        assert len(started) == 2
        display = threading.Thread(target=stop.wait)
        display.start()
        try:
            assert len(list(results)) == 4
        finally:
            stop.set()
            display.join()
    assert len(started) == 2


FORKED_WHEN_ALONE = """
import os
from repo.build.scheduler import running
from tests.test_scheduler import failed, jobs, parent
with running(jobs(a=(2, 1), b=(2, 1)), parent, (), workers=2, failed=failed) as results:
    print(set(results) == {os.getpid()})
"""


def test_workers_are_forked_when_no_other_thread_runs():
    # In a process of its own: threads other tests leave running would make it use the fork server.
    ran = subprocess.run([sys.executable, "-c", FORKED_WHEN_ALONE], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert ran.stdout.strip() == "True", ran.stderr


def test_workers_come_from_a_fork_server_when_threads_already_run():
    stop = threading.Event()
    server = threading.Thread(target=stop.wait)
    server.start()
    try:
        with running(jobs(a=(2, 1), b=(2, 1)), parent, (), workers=2, failed=failed) as results:
            parents = set(results)
    finally:
        stop.set()
        server.join()
    assert len(parents) == 1 and os.getpid() not in parents


def test_folder_size_counts_the_bytes_of_every_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/x").write_bytes(b"12345")
    (tmp_path / "y").write_bytes(b"123")
    (tmp_path / "link").symlink_to("/dev/zero")
    assert folder_size(tmp_path) == 8 + len("/dev/zero")


def test_build_starts_with_the_largest_build_plugin(plugins_dir, tmp_path):
    acme_plugin(plugins_dir, "a_small")
    big = acme_plugin(plugins_dir, "b_big")
    (big / "common/blob.bin").write_bytes(bytes(300_000))
    shown = io.StringIO()
    # Different plugin ids for the second build plugin's targets.
    build_file = big / "build.py"
    build_file.write_text(build_file.read_text().replace("'acme-1.0'", "'big-1.0'").replace("'acme-2.0'", "'big-2.0'"))
    result = build.build(plugins_dir, tmp_path / "out", jobs=1, stream=shown)
    assert result.ok, result.failures
    done = [line.split()[-1] for line in shown.getvalue().splitlines() if line.startswith("[")]
    assert done == ["(b_big:1.0)", "(b_big:2.0)", "(a_small:1.0)", "(a_small:2.0)"]
