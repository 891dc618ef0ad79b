"""A publishing process for race tests: waits for a command on stdin, runs it at once, answers ``done``.

Started ahead of time, so that two of them given a command at the same moment really run
together (no interpreter start-up in between). Commands, one per line, each preceded by a
delay in microseconds (to shift one racer against the other, round after round):
``DELAY promote ID...``, ``DELAY remove CHANNEL ID...``, ``DELAY upload BUILD_DIR``,
``DELAY upload-stable STABLE_DIR``.
"""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from repo.errors import ToolchainError
from repo.publish.address import open_repository
from repo.publish.plan import apply, plan_promote, plan_remove, plan_upload
from repo.publish.stablesync import plan_upload_stable
from repo.ui.progress import TransferProgress


def run(storage, command: list[str]) -> None:
    progress = TransferProgress(io.StringIO())
    if command[0] == "promote":
        apply(plan_promote(storage, "dev", "stable", command[1:]), progress)
    elif command[0] == "remove":
        apply(plan_remove(storage, command[1], command[2:]), progress)
    elif command[0] == "upload":
        apply(plan_upload(storage, Path(command[1]) / "dev"), progress)
    elif command[0] == "upload-stable":
        apply(plan_upload_stable(storage, Path(command[1])), progress)
    else:
        raise ToolchainError(f"unknown command {command[0]!r}")


def main() -> None:
    for line in sys.stdin:
        delay, address, *command = line.split()
        time.sleep(int(delay) / 1e6)
        try:
            run(open_repository(address), command)
            print("done", flush=True)
        except ToolchainError as exc:
            print(f"error {exc}".replace("\n", " "), flush=True)


if __name__ == "__main__":
    main()
