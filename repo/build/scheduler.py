"""Running a build's targets in worker processes: a build plugin's targets on one worker, largest first.

The targets of a build plugin share most of their files (``common/`` is copied into
each), and validation remembers what it parsed by content within a process
(repo.validation.memo): sending a plugin's targets to one worker makes those parses
hit. The largest plugins start first, so the biggest does not run alone at the end;
a worker with no plugin left to start helps with the one that has most targets left.

Workers are forked when the caller runs no other thread (they then inherit the loaded
modules and build files), else started from a fork server: forking a process that runs
other threads can deadlock the child on a lock held at fork time. A worker that dies
is replaced, a bounded number of times in a row (``MAX_DEATHS_IN_A_ROW``).
"""
from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from repo.errors import ToolchainError


@dataclass(frozen=True)
class Job:
    group: str  # jobs of one group go to the same worker when they can
    weight: int  # the estimated cost of the group; heavier groups start first
    call: tuple  # the arguments of ``work``


class Queue:
    """Which job each worker takes next."""

    def __init__(self, jobs: Iterable[Job]):
        self._groups: dict[str, deque[Job]] = {}
        weights = {}
        for job in jobs:
            self._groups.setdefault(job.group, deque()).append(job)
            weights[job.group] = job.weight
        self._unstarted = deque(sorted(self._groups, key=lambda g: -weights[g]))  # ties keep their order

    def next(self, current: str | None) -> Job | None:
        """The next job for a worker whose last job was of group ``current`` (None: no job yet)."""
        if current is not None and self._groups[current]:
            return self._groups[current].popleft()
        if self._unstarted:
            return self._groups[self._unstarted.popleft()].popleft()
        busiest = max(self._groups.values(), key=len, default=None)
        return busiest.pop() if busiest else None  # from the end: its own worker goes on in order


# Workers that may die one after the other (no job finishing in between) before no new
# one is started: a job that kills its worker costs one worker, a machine that kills
# every worker (out of memory, a process limit) does not get new ones forever.
MAX_DEATHS_IN_A_ROW = 3


@contextlib.contextmanager
def running(jobs: list[Job], work: Callable[..., Any], args: tuple, workers: int,
            failed: Callable[[Job, str], Any]) -> Iterator[Iterator[Any]]:
    """Start the workers; yield the results of ``work(*job.call, *args)`` for each job, as they come.

    The workers start on entering, so enter before starting any thread (a live display).
    With one worker, or one job, the jobs run in this process. A worker that dies (killed,
    out of memory, a job ending its process) costs its job only: ``failed(job, why)`` is
    that job's result, and a new worker goes on with the others. After
    ``MAX_DEATHS_IN_A_ROW`` deaths with no job finishing in between, no worker is started
    any more: the jobs not started yet end as ``failed(job, why)`` too.
    """
    queue = Queue(jobs)
    if workers <= 1 or len(jobs) <= 1:
        yield _in_process(queue, work, args)
        return
    pool: list[_Worker] = []
    try:
        for _ in range(min(workers, len(jobs))):
            try:
                pool.append(_Worker.start(work, args))
            except OSError as exc:  # a process or memory limit: go on with the workers there are
                if not pool:
                    raise ToolchainError(f"cannot start a worker process: {exc.strerror or exc}") from None
                break
        yield _results(pool, queue, failed)
    finally:
        for worker in pool:
            worker.stop()


def _in_process(queue: Queue, work: Callable[..., Any], args: tuple) -> Iterator[Any]:
    current = None
    while job := queue.next(current):
        current = job.group
        yield work(*job.call, *args)


def _results(pool: list[_Worker], queue: Queue, failed: Callable[[Job, str], Any]) -> Iterator[Any]:
    for worker in pool:
        worker.give(queue.next(None))
    deaths, given_up = 0, None  # deaths in a row; why no worker is started any more
    while busy := {w.connection: w for w in pool if w.job is not None}:
        for connection in multiprocessing.connection.wait(list(busy)):
            worker = busy[connection]
            job = worker.job
            try:
                result = worker.receive()
                deaths = 0
            except _Died as death:
                deaths += 1
                result = failed(job, f"the worker process running it died (exit status {death.status})")
                worker.stop()
                if given_up is None and deaths >= MAX_DEATHS_IN_A_ROW:
                    given_up = f"{deaths} worker processes died in a row (last exit status {death.status})"
                if given_up is None:
                    try:
                        pool[pool.index(worker)] = worker = worker.restart()
                    except OSError as exc:  # no process left to start (a process or memory limit)
                        given_up = f"no new worker process could be started ({exc.strerror or exc})"
            worker.give(queue.next(job.group) if given_up is None and worker.process.is_alive() else None)
            yield result
    while job := queue.next(None):
        yield failed(job, f"not run: {given_up}")


class _Died(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class _Worker:
    def __init__(self, process, connection, work: Callable[..., Any], args: tuple):
        self.process, self.connection = process, connection
        self._work, self._args = work, args
        self.job: Job | None = None  # the job it is running

    @classmethod
    def start(cls, work: Callable[..., Any], args: tuple) -> _Worker:
        context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, work, args), daemon=True)
        process.start()
        theirs.close()
        return cls(process, ours, work, args)

    def restart(self) -> _Worker:
        """A new worker for the same work (this one being dead)."""
        return _Worker.start(self._work, self._args)

    def give(self, job: Job | None) -> None:
        self.job = job
        if job is not None:
            try:
                self.connection.send(job.call)
            except OSError:
                pass  # it died: receive() says so (its connection is ready, at its end)

    def receive(self) -> Any:
        try:
            raised, value = self.connection.recv()
        except EOFError:
            self.process.join()
            raise _Died(self.process.exitcode) from None
        if raised:
            raise value
        return value

    def stop(self) -> None:
        """End the process: asked to when idle, killed when interrupted in the middle of a job."""
        try:
            if self.job is None and self.process.is_alive():
                self.connection.send(None)
            else:
                self.process.kill()
        except OSError:
            self.process.kill()  # it is dying, or dead already
        self.connection.close()
        self.process.join()


def _serve(connection, work: Callable[..., Any], args: tuple) -> None:
    """A worker: run each call received until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    while (call := connection.recv()) is not None:
        try:
            reply = (False, work(*call, *args))
        except Exception as exc:  # handed to the caller, as concurrent.futures does
            reply = (True, exc)
        connection.send(reply)


def folder_size(folder: str | os.PathLike) -> int:
    """The bytes of the files below ``folder``: how much work its targets are, roughly."""
    return sum(os.lstat(os.path.join(parent, name)).st_size for parent, _, names in os.walk(folder) for name in names)
