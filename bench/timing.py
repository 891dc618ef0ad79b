"""Timing whole commands, as users run them (interpreter start-up included)."""
from __future__ import annotations

import subprocess
import time


def timed(command: list[str], env: dict | None = None, status: int = 0) -> float:
    """Seconds one run of ``command`` takes; its output is discarded, another exit status than ``status`` raises."""
    start = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if completed.returncode != status:
        tail = completed.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{' '.join(command[:6])} ... exited with status {completed.returncode}, "
                           f"expected {status}:\n" + "\n".join(tail))
    return elapsed
