"""Benchmark `inv build` against the classic sequential flow on a corpus shaped like the real tree.

Scenarios, each timed as a whole command (interpreter start-up included), median of
``--runs`` runs, both tools in the same run on the same corpus (bench/corpus.py), their
runs interleaved so that a change of load hits both: cold build (empty build folder),
no-op rebuild (nothing changed), one plugin changed (a shared template of one build
plugin edited before each run). The corpus has failing targets, so both tools are
expected to exit 1; after the first cold build the packages each produced are compared.
"""
from __future__ import annotations

import argparse
import bz2
import os
import platform
import shutil
import statistics
import sys
import tarfile
import tempfile
from pathlib import Path

from corpus import EDITED_FILE, generate
from timing import INV, Usage, measured

ROOT = Path(__file__).resolve().parent.parent
# Commands run in the environment of a user's shell: one that turned bytecode caching off
# (some sandboxes set PYTHONDONTWRITEBYTECODE) would time compiling the toolchain on every run.
USER_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
SCENARIOS = (("cold", "cold build", 0.15), ("noop", "no-op rebuild", 0.02), ("changed", "one plugin changed", 0.05))


def edit_one_plugin(plugins: Path, run: int) -> None:
    with open(plugins / EDITED_FILE, "a") as template:
        template.write(f"<!-- edit {run} -->\n")


def run_scenarios(flows: dict[str, tuple[Path, list[str]]], plugins: Path, run: int) -> dict[str, dict[str, Usage]]:
    """One run of every scenario, each flow (build folder, command) in turn: usage by flow, then scenario."""
    for build_dir, _ in flows.values():
        shutil.rmtree(build_dir, ignore_errors=True)
    usage: dict[str, dict[str, Usage]] = {name: {} for name in flows}
    for key, _, _ in SCENARIOS:
        if key == "changed":
            edit_one_plugin(plugins, run)
        for name, (_, command) in flows.items():
            usage[name][key] = measured(command, USER_ENV, status=1)  # the corpus's failing targets
    return usage


def packages(build_dir: Path) -> set[str]:
    return {p.name for p in (build_dir / "dev").glob("*.tar.bz2")}


def compare_packages(new: Path, old: Path) -> str:
    """One line saying whether both tools built the same packages, and the tar size.

    The same content, not the same bytes: `tar -cjf` records owners, times and modes
    its own way (tests/test_byte_identity.py holds the bytes of `inv build`'s packages).
    """
    ours, theirs = packages(new), packages(old)
    tar_size = sum(len(bz2.decompress((old / "dev" / name).read_bytes())) for name in theirs)
    differing = {name for name in ours & theirs if _content(new / "dev" / name) != _content(old / "dev" / name)}
    same = "the same packages (names, files, links)" if ours == theirs and not differing else (
        f"DIFFERENT packages: {_some(ours - theirs)} only by inv build, {_some(theirs - ours)} only by the classic "
        f"flow, {_some(differing)} with other content")
    return f"{len(theirs)} packages by the classic flow ({tar_size / 1e6:.1f} MB of tar before compression), {same}"


def _content(package: Path) -> set[tuple[str, str, bytes]]:
    """(name, kind, file bytes or link target) of each member."""
    with tarfile.open(package, "r:bz2") as tar:
        return {(m.name, "file" if m.isreg() else "link" if m.issym() else "folder",
                 tar.extractfile(m).read() if m.isreg() else m.linkname.encode()) for m in tar}


def _some(names: set[str]) -> str:
    shown = ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")
    return f"{len(names)} ({shown})" if names else "0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--tmp", help="folder for the corpus and build folders (default: the system's temporary "
                                      "folder); see the README on /dev/shm")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="provd-bench-", dir=args.tmp) as work:
        work = Path(work)
        plugins = work / "plugins"
        corpus = generate(plugins, args.seed)
        size = sum(p.stat().st_size for p in plugins.rglob("*") if p.is_file())
        flows = {
            "inv build": (work / "new", [*INV, "--search-root", str(ROOT), "build",
                                         "--plugins-dir", str(plugins), "--build-dir", str(work / "new")]),
            "classic flow": (work / "old", [sys.executable, str(ROOT / "bench" / "baseline.py"), str(plugins),
                                            str(work / "old")]),
        }
        times = {name: {key: [] for key, _, _ in SCENARIOS} for name in flows}
        for run in range(args.runs):
            for name, usage in run_scenarios(flows, plugins, run).items():
                for key, used in usage.items():
                    times[name][key].append(used.wall)
            if run == 0:  # an edit changes no package name nor version
                checked = compare_packages(flows["inv build"][0], flows["classic flow"][0])
            print(f"  run {run + 1}: " + "; ".join(
                f"{name} " + ", ".join(f"{key} {times[name][key][-1]:.2f}s" for key, _, _ in SCENARIOS)
                for name in flows), file=sys.stderr)
    print(f"Corpus: {corpus.plugins} build plugins, {corpus.targets} targets ({corpus.failing} failing), "
          f"{corpus.sed_calls} sed calls, {size / 1e6:.1f} MB of sources; {checked}.")
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}; median of {args.runs} runs.\n")
    print("| scenario | inv build | classic flow | ratio | goal |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for key, label, goal in SCENARIOS:
        new, old = (statistics.median(times[name][key]) for name in flows)
        print(f"| {label} | {new:.2f} s | {old:.2f} s | {new / old:.3f}× | ≤ {goal}× |")


if __name__ == "__main__":
    main()
