"""Timing whole commands, as users run them (interpreter start-up included)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import NamedTuple

# `inv` as its console script runs it: -P keeps the current folder off sys.path, as the
# script does (with it, a file there named like a standard module, pty.py say, would be
# imported by Invoke in its place).
INV = [sys.executable, "-P", "-m", "invoke"]


class Usage(NamedTuple):
    wall: float  # seconds from start to exit
    cpu: float  # CPU seconds of the command and every process it waited for (its workers)


def timed(command: list[str], env: dict | None = None, status: int = 0) -> float:
    """Seconds one run of ``command`` takes; its output is discarded, another exit status than ``status`` raises."""
    return measured(command, env, status).wall


def measured(command: list[str], env: dict | None = None, status: int = 0) -> Usage:
    """Wall and CPU time of one run of ``command``; output discarded, another exit status than ``status`` raises.

    CPU time is what a loaded machine distorts least: compare changes with it there.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    errors = process.stderr.read()
    _, wait_status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    process.stderr.close()
    if process.returncode != status:
        tail = errors.decode(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{' '.join(command[:6])} ... exited with status {process.returncode}, "
                           f"expected {status}:\n" + "\n".join(tail))
    return Usage(elapsed, usage.ru_utime + usage.ru_stime)
