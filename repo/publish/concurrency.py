"""Running a publish's transfers and verifications a few at a time, stopping at the first failure.

A repository on S3 is tens of milliseconds away: one request after the other, a
channel of a hundred packages costs hundreds of round trips. ``run_all`` runs the
independent steps of a batch (uploads, copies, downloads, checks) on ``TRANSFERS``
threads sharing one S3 client (boto3 clients are thread-safe; the client's connection
pool is sized to match, see repo.publish.address.s3_client).

A failure stops the batch cleanly: no item starts after it, the items already running
finish (so nothing is left half-written by us), and the first failure is raised alone
(one error line). Whatever stops a batch, the channel stays consistent, because a batch
only ever precedes the index compare-and-swap, which runs alone, after the batch.

Lines: the lines an item notes (``progress.note``, the finished line of a transfer) are
printed whole and in the order of the items, i.e. the plan's order (what ``--dry-run``
lists), each item's once it and every item before it have finished; on a terminal the
bars of the files in flight show meanwhile.
"""
from __future__ import annotations

import threading
from typing import Callable, Sequence, TypeVar

from repo.ui.progress import TransferProgress

# Transfers at once: enough to hide a distant server's round trips (bench/publish.py: 32 beat 10; 64 was
# slower, the bench's server sharing the two CPUs).
TRANSFERS = 32
# Requests at once, hence connections: the archive step's items make two requests each (a HEAD and a GET),
# next to the channel's claim steps and the archive index read.
CONNECTIONS = 2 * TRANSFERS + 2

# The package checks are not thread-safe: they parse Python with ``ast``, which CPython
# 3.11 does not make safe in two threads at once ("SystemError: AST constructor recursion
# depth mismatch"), and record compiler warnings with ``warnings.catch_warnings``, which
# is process-wide. Checks hold this lock, taking turns while the transfers go on.
CHECKING = threading.Lock()

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_all(items: Sequence[Item], work: Callable[[Item], Result], progress: TransferProgress | None = None,
            workers: int = TRANSFERS) -> list[Result]:
    """``work(item)`` for every item, at most ``workers`` at once; the results in the items' order.

    The first failure (any exception, interruptions included) stops the batch and is
    raised once the items running have finished. With ``progress``, the lines each item
    notes there are printed in the items' order.
    """
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        return [work(item) for item in items]
    batch = _Batch(items, work, progress)
    threads = [threading.Thread(target=batch.worker, name=f"transfer-{n}", daemon=True)
               for n in range(min(workers, len(items)))]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException as interruption:  # Ctrl-C while waiting: let the running items finish, start no more
        batch.fail(interruption)
        for thread in threads:
            thread.join()
    return batch.outcome()


def together(*steps: Callable[[], object], progress: TransferProgress | None = None) -> list:
    """Run steps that do not depend on each other at once (requests: one round trip for all); their results."""
    return run_all(steps, lambda step: step(), progress)


class _Batch:
    def __init__(self, items: list, work: Callable, progress: TransferProgress | None):
        self.items, self.work, self.progress = items, work, progress
        self.lock = threading.Lock()
        self.next_item = 0
        self.failure: BaseException | None = None
        self.results: list = [None] * len(items)
        self.lines: list[list[str] | None] = [None] * len(items)  # an item's lines, once it has finished
        self.printed = 0  # items whose lines are out

    def worker(self) -> None:
        while True:
            with self.lock:
                if self.failure is not None or self.next_item == len(self.items):
                    return
                number, self.next_item = self.next_item, self.next_item + 1
            lines: list[str] = []
            try:
                if self.progress is None:
                    self.results[number] = self.work(self.items[number])
                else:
                    with self.progress.holding(lines):
                        self.results[number] = self.work(self.items[number])
            except BaseException as exc:  # noqa: B036 - handed to the caller's thread, which raises it
                self.fail(exc)
            self.finished(number, lines)

    def fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.failure is None:
                self.failure = exc

    def finished(self, number: int, lines: list[str]) -> None:
        """Print the lines of every finished item whose predecessors have all been printed."""
        with self.lock:
            self.lines[number] = lines
            while self.printed < len(self.items) and self.lines[self.printed] is not None:
                for line in self.lines[self.printed]:
                    self.progress.note(line)
                self.printed += 1

    def outcome(self) -> list:
        if self.failure is not None:
            with self.lock:  # the lines of items that finished after one that never started
                for lines in self.lines[self.printed:]:
                    for line in lines or ():
                        self.progress.note(line)
            raise self.failure
        return self.results
