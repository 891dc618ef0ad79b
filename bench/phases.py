"""Where a cold `inv build` spends its time: worker-seconds per phase, on the bench corpus.

Runs the build engine in-process with one job (so every phase runs in this process and
the sum is what the workers would spend together), timing each phase with CPU time and
wall time: CPU time is what a loaded machine does not distort; wall time adds waiting
for the disk (fsync). Phases nest (``validation`` holds ``templates``); each is timed
where the engine calls it, so the table follows the code's own boundaries.

    python bench/phases.py [--root CHECKOUT] [--runs N] [--plugins-dir DIR]

``--root`` profiles another checkout of the toolchain (e.g. the one before a change),
on the same corpus.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from corpus import generate

# (phase, module, attribute): the function whose calls are the phase. A missing one is
# skipped, so the same table works for checkouts before and after a change.
PHASES = (
    ("load build files", "build", "load_tree"),
    ("tree digests", "repo.build.buildcache", "tree_digest"),
    ("run targets", "build", "run_target"),
    ("  rsync", "repo.build.rsync", "run"),
    ("  sed", "repo.build.sed", "run"),
    ("validation", "build", "check_built_target"),
    ("  templates", "repo.validation.templates", "check_template"),
    ("  python", "repo.validation.python", "check_python_file"),
    ("  sources", "repo.validation.sources", "locate"),
    ("packaging", "repo.build.packaging", "write_archive"),
    ("  bzip2", "bz2", "BZ2Compressor"),
    ("  fsync", "os", "fsync"),
    ("read back", "build", "inspect_package"),
    ("index", "build", "_assemble_index"),
)


class Clock:
    def __init__(self):
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self._active: set[str] = set()

    def wrap(self, phase: str, function):
        def timed(*args, **kwargs):
            if phase in self._active:  # recursion: the outer call counts
                return function(*args, **kwargs)
            self._active.add(phase)
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.cpu[phase] += time.process_time() - cpu
                self.wall[phase] += time.perf_counter() - wall
                self._active.discard(phase)
        return timed


class TimedCompressor:
    """bz2.BZ2Compressor with its compress/flush calls timed (the C type cannot be patched)."""

    def __init__(self, clock: Clock, phase: str, real: type):
        self._clock, self._phase, self._real = clock, phase, real

    def __call__(self, *args):
        compressor = self._real(*args)
        clock, phase = self._clock, self._phase

        class Timed:
            compress = staticmethod(clock.wrap(phase, compressor.compress))
            flush = staticmethod(clock.wrap(phase, compressor.flush))
        return Timed()


def instrument(clock: Clock) -> list[str]:
    """Wrap every phase's function where it is looked up; return the phases found."""
    import bz2
    found = []
    for phase, module_name, attribute in PHASES:
        module = importlib.import_module(module_name)
        if not hasattr(module, attribute):
            continue
        original = getattr(module, attribute)
        if module_name == "bz2":
            setattr(module, attribute, TimedCompressor(clock, phase, original))
        else:
            wrapped = clock.wrap(phase, original)
            _replace_everywhere(original, wrapped)
        found.append(phase)
    assert bz2  # imported so that bz2.BZ2File looks the compressor up through the module
    return found


def _replace_everywhere(original, wrapped) -> None:
    """Point every loaded toolchain module's name (and the sed/rsync routing table) at the wrapper."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name in ("build", "os") or name.startswith("repo.")):
            continue
        for attribute, value in list(vars(module).items()):
            if value is original:
                setattr(module, attribute, wrapped)
    commands = sys.modules.get("repo.build.commands")
    if commands is not None:
        for program, builtin in list(commands.BUILTINS.items()):
            if builtin.run is original:
                commands.BUILTINS[program] = builtin._replace(run=wrapped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the toolchain checkout to profile (default: this one)")
    parser.add_argument("--plugins-dir", type=Path, help="an existing corpus (default: generate one)")
    parser.add_argument("--runs", type=int, default=1, help="cold builds, each in a new process; the table "
                                                            "shows the median of each phase")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # a child run: build there, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(profile_one(args.root, args.plugins_dir, args.one)))
        return
    laps = []
    with tempfile.TemporaryDirectory(prefix="provd-profile-") as work:
        plugins = args.plugins_dir or Path(work) / "plugins"
        if args.plugins_dir is None:
            generate(plugins)
        for run in range(args.runs):
            child = subprocess.run([sys.executable, __file__, "--root", str(args.root), "--plugins-dir", str(plugins),
                                    "--one", str(Path(work) / f"build{run}")], check=True, capture_output=True)
            laps.append(json.loads(child.stdout))
            print(f"  run {run + 1}: {laps[-1]['cpu']['total']:.2f} CPU-s", file=sys.stderr)
    print(f"Cold build of {plugins} by {args.root}, one job; median of {args.runs} run(s).\n")
    print("| phase | CPU s | wall s |")
    print("| --- | ---: | ---: |")
    for phase in laps[0]["phases"]:
        cpu, wall = (statistics.median(lap[kind].get(phase, 0.0) for lap in laps) for kind in ("cpu", "wall"))
        print(f"| {phase} | {cpu:.2f} | {wall:.2f} |")


def profile_one(root: Path, plugins: Path, build_dir: Path) -> dict:
    """One cold build in this process, timed by phase."""
    sys.path.insert(0, str(root.resolve()))
    import build as engine  # the checkout's engine, once its folder is on the path

    clock = Clock()
    phases = instrument(clock)
    with open(os.devnull, "w") as quiet:
        cpu, wall = time.process_time(), time.perf_counter()
        engine.build(plugins, build_dir, jobs=1, stream=quiet)
        clock.cpu["total"], clock.wall["total"] = time.process_time() - cpu, time.perf_counter() - wall
    return {"phases": [*phases, "total"], "cpu": clock.cpu, "wall": clock.wall}


if __name__ == "__main__":
    main()
