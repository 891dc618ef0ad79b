"""Compare `inv build` of two checkouts of the toolchain, A/B, on the bench corpus.

For a change to the engine measured on a busy machine: both checkouts (and the classic
flow) run the same scenarios as bench/run.py, interleaved run by run so a change of
load hits all of them, and the table gives medians of wall time and of CPU time
(the command and its worker processes), CPU time being what load distorts least.
``inv --list`` is timed too (start-up cost).

    python bench/ab.py --before /path/to/old/checkout [--runs N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from corpus import generate
from run import SCENARIOS, USER_ENV, run_scenarios
from timing import INV, measured

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout to compare this one with")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=0, help="inv build --jobs (default: number of CPUs)")
    args = parser.parse_args()
    roots = {"before": args.before.resolve(), "after": args.after.resolve()}
    with tempfile.TemporaryDirectory(prefix="provd-ab-") as work:
        work = Path(work)
        plugins = work / "plugins"
        generate(plugins)
        flows = {name: (work / name, [*INV, "--search-root", str(root), "build",
                                      "--plugins-dir", str(plugins), "--build-dir", str(work / name),
                                      *(["--jobs", str(args.jobs)] if args.jobs else [])])
                 for name, root in roots.items()}
        flows["classic"] = (work / "classic", [sys.executable, str(ROOT / "bench" / "baseline.py"), str(plugins),
                                               str(work / "classic")])
        usage = {name: {key: [] for key, _, _ in (*SCENARIOS, ("list", "", 0))} for name in flows}
        for run in range(args.runs):
            for name, used in run_scenarios(flows, plugins, run).items():
                for key, one in used.items():
                    usage[name][key].append(one)
            for name, root in roots.items():
                usage[name]["list"].append(measured([*INV, "--search-root", str(root),
                                                     "--list"], USER_ENV))
            print(f"  run {run + 1} done", file=sys.stderr)
    print(f"before: {roots['before']}\nafter: {roots['after']}\nmedian of {args.runs} interleaved runs.\n")
    print("| scenario | before wall | after wall | classic wall | after/classic wall "
          "| before CPU | after CPU | classic CPU | after/before CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, label, _ in (*SCENARIOS, ("list", "inv --list", 0)):
        wall = {name: statistics.median(u.wall for u in usage[name][key]) for name in flows if usage[name][key]}
        cpu = {name: statistics.median(u.cpu for u in usage[name][key]) for name in flows if usage[name][key]}
        classic = (f"{wall['classic']:.2f} s", f"{wall['after'] / wall['classic']:.3f}×", f"{cpu['classic']:.2f} s") \
            if "classic" in wall else ("", "", "")
        print(f"| {label} | {wall['before']:.2f} s | {wall['after']:.2f} s | {classic[0]} | {classic[1]} "
              f"| {cpu['before']:.2f} s | {cpu['after']:.2f} s | {classic[2]} | {cpu['after'] / cpu['before']:.2f}× |")


if __name__ == "__main__":
    main()
