"""Benchmark the catalog page: render time and size for channels of hundreds of plugins.

Each channel is generated as index entries (no packages needed for the page): N
plugins spread over 20 vendors, each declaring ``--models`` phone models with the
usual capabilities. Prints, per size, the median render time over ``--runs`` runs, the
page size next to the size of its plugins.db, and the time a no-op publish spends
checking that the page in place is current.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repo.catalog.page import described_index_sha1, render  # noqa: E402
from repo.package.index import Index  # noqa: E402


def channel(plugins: int, models: int) -> Index:
    return Index({f"xivo-vendor{n % 20}-{n}": {
        "version": f"1.{n}", "description": f"Plugin for Vendor{n % 20} phones, number {n}",
        "description_fr": f"Greffon numéro {n}", "vendor": f"Vendor{n % 20}",
        "capabilities": {f"Vendor{n % 20}, M{n}-{m}, {n}.{m}.0": {
            "lines": m + 1, "high_availability": True, "function_keys": 10, "expansion_modules": 0,
            "switchboard": False, "protocol": "sip", "type": "deskphone"} for m in range(models)},
        "filename": f"xivo-vendor{n % 20}-{n}-1.{n}.tar.bz2", "dsize": 50_000 + n, "sha1sum": f"{n:040x}",
    } for n in range(plugins)})


def median_time(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--models", type=int, default=6, help="phone models per plugin")
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    render(Index(), "stable", now, "0" * 40)  # template compiled once, as in a publishing process
    print(f"{args.models} models per plugin; Python {sys.version.split()[0]}; median of {args.runs} runs.\n")
    print("| plugins | render | page | plugins.db | page check (no-op publish) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for plugins in (100, 500, 1000):
        index = channel(plugins, args.models)
        page = render(index, "stable", now, "0" * 40)
        rendering = median_time(lambda: render(index, "stable", now, "0" * 40), args.runs)
        checking = median_time(lambda: described_index_sha1(page), args.runs)
        print(f"| {plugins} | {rendering * 1000:.0f} ms | {len(page) / 1e6:.2f} MB | "
              f"{len(index.to_bytes()) / 1e6:.2f} MB | {checking * 1e6:.0f} µs |")


if __name__ == "__main__":
    main()
