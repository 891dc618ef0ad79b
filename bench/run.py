"""Benchmark `inv build` against the classic sequential flow on a generated corpus.

Scenarios, each timed as a whole command (interpreter start-up included), median of
``--runs`` runs, both tools in the same run on the same corpus:
cold build (empty build folder), no-op rebuild (nothing changed), one plugin changed
(one template of one build plugin edited before each run).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from corpus import generate
from timing import timed

ROOT = Path(__file__).resolve().parent.parent



def edit_one_plugin(plugins: Path, run: int) -> None:
    with open(plugins / "xivo_vendor00" / "common" / "templates" / "part0.tpl", "a") as template:
        template.write(f"edit {run}\n")


def measure(name: str, command: list[str], build_dir: Path, plugins: Path, runs: int) -> dict[str, float]:
    cold, noop, changed = [], [], []
    for run in range(runs):
        shutil.rmtree(build_dir, ignore_errors=True)
        cold.append(timed(command))
        noop.append(timed(command))
        edit_one_plugin(plugins, run)
        changed.append(timed(command))
        print(f"  {name} run {run + 1}: cold {cold[-1]:.2f}s, no-op {noop[-1]:.2f}s, "
              f"one changed {changed[-1]:.2f}s", file=sys.stderr)
    return {"cold": statistics.median(cold), "noop": statistics.median(noop), "changed": statistics.median(changed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plugins", type=int, default=16)
    parser.add_argument("--targets", type=int, default=7, help="targets per build plugin")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="provd-bench-") as work:
        work = Path(work)
        plugins = work / "plugins"
        targets = generate(plugins, args.plugins, args.targets)
        size = sum(p.stat().st_size for p in plugins.rglob("*") if p.is_file())
        toolchain = [sys.executable, "-m", "invoke", "--search-root", str(ROOT), "build",
                     "--plugins-dir", str(plugins), "--build-dir", str(work / "new")]
        baseline = [sys.executable, str(ROOT / "bench" / "baseline.py"), str(plugins), str(work / "old")]
        results = {"inv build": measure("inv build", toolchain, work / "new", plugins, args.runs),
                   "classic flow": measure("classic flow", baseline, work / "old", plugins, args.runs)}
    print(f"Corpus: {args.plugins} build plugins, {targets} targets, {size / 1e6:.1f} MB of sources; "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}; median of {args.runs} runs.\n")
    print("| scenario | inv build | classic flow | speed-up |")
    print("| --- | ---: | ---: | ---: |")
    for key, label in (("cold", "cold build"), ("noop", "no-op rebuild"), ("changed", "one plugin changed")):
        new, old = results["inv build"][key], results["classic flow"][key]
        print(f"| {label} | {new:.2f} s | {old:.2f} s | {old / new:.1f}x |")


if __name__ == "__main__":
    main()
