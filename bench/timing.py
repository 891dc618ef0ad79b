"""Timing whole commands, as users run them (interpreter start-up included)."""
from __future__ import annotations

import subprocess
import time


def timed(command: list[str], env: dict | None = None) -> float:
    """Seconds one run of ``command`` takes; its output is discarded, a failure raises."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start
