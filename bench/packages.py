"""Benchmark reading packages: the checks every package passes, on real-sized and hostile inputs.

In-process, median of ``--runs`` runs of ``inspect_package`` on files written first:
the sample plugin's packages (archive checks only, as for a package just built, and
all checks, as for any other), a firmware-sized member (incompressible bytes), a
member of zeros (a ratio a bomb uses, accepted: within the bounds) and two bombs the
bounds refuse (one member claiming 2 GiB; members adding up past 1 GiB).
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import build  # noqa: E402
from repo.errors import ToolchainError  # noqa: E402
from repo.package.checks import inspect_package  # noqa: E402
from tests.tarballs import FILENAME, PLUGIN_ID, compressed_zeros, streamed_member, streamed_package  # noqa: E402

MiB = 1 << 20


def median_seconds(path: Path, runs: int, **kwargs) -> tuple[float, str]:
    times, outcome = [], "accepted"
    for _ in range(runs):
        start = time.perf_counter()
        try:
            inspect_package(path, **kwargs)
        except ToolchainError as exc:
            outcome = f"refused: {exc.message[:50]}"
        times.append(time.perf_counter() - start)
    return statistics.median(times), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-packages-") as folder:
        folder = Path(folder)
        build.build(ROOT / "plugins", folder / "_build", jobs=1, stream=io.StringIO())
        sample = sorted((folder / "_build/dev").glob("*.tar.bz2"))[0]
        cases = [(f"sample plugin, just built ({sample.stat().st_size} bytes)", sample, {"built_here": True}),
                 (f"sample plugin, not built here ({sample.stat().st_size} bytes)", sample, {})]
        for label, data in [
            ("firmware: 32 MiB incompressible member",
             streamed_package(streamed_member(f"{PLUGIN_ID}/fw.bin", 32 * MiB, os.urandom(32 * MiB)))),
            ("zeros: 256 MiB member", streamed_package(streamed_member(f"{PLUGIN_ID}/z", 256 * MiB))),
            ("bomb: one member claiming 2 GiB", streamed_package(streamed_member(f"{PLUGIN_ID}/z", 2048 * MiB))),
            ("bomb: 1.25 GiB of zeros after the end",
             streamed_package(after_end=compressed_zeros(64 * MiB) * 20)),
        ]:
            path = folder / str(len(cases)) / FILENAME
            path.parent.mkdir()
            path.write_bytes(data)
            cases.append((f"{label} ({len(data)} bytes)", path, {}))
        print(f"| package | outcome | median of {args.runs} |\n| --- | --- | ---: |")
        for label, path, kwargs in cases:
            seconds, outcome = median_seconds(path, args.runs, **kwargs)
            print(f"| {label} | {outcome} | {seconds:.3f} s |")


if __name__ == "__main__":
    main()
