"""Benchmark `inv upload` against the classic upload on a generated set of packages.

Scenarios, each timed as a whole command (interpreter start-up included), median of
``--runs`` runs: first publish (empty repository), no-op republish (nothing new), one
plugin changed (a new version of one plugin). Repositories: a local folder, where the
classic flow is `rsync -a --delete _build/dev/ <repo>/dev/`, and moto's S3 server on
127.0.0.1, where the classic flow uploads every file of _build/dev/ (as
`aws s3 cp --recursive` does). The classic flows verify, archive and merge nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import timed  # noqa: E402

from repo.build.packaging import pack  # noqa: E402
from repo.fileutil import write_atomic  # noqa: E402
from repo.package.checks import inspect_package  # noqa: E402
from repo.package.index import INDEX_NAME, Index  # noqa: E402

S3_CLASSIC = """
import sys, boto3
from pathlib import Path
client = boto3.client("s3")
for path in sorted(Path(sys.argv[1]).iterdir()):
    client.upload_file(str(path), sys.argv[2], "dev/" + path.name)
"""


def make_packages(dev: Path, count: int, size: int, bump: int = 0) -> None:
    """``count`` plugin packages of about ``size`` bytes each; plugin 0 gets version 1.<bump>."""
    rng = random.Random(7)
    shutil.rmtree(dev, ignore_errors=True)
    packages = []
    for n in range(count):
        tree = dev.parent / "trees" / f"bench-{n}"
        shutil.rmtree(tree, ignore_errors=True)
        (tree / "templates").mkdir(parents=True)
        version = f"1.{bump}" if n == 0 else "1.0"
        (tree / "plugin-info").write_text(json.dumps({"version": version, "description": f"plugin {n}",
                                                      "capabilities": {"Acme, P1, 1.0": {"lines": 2}}}))
        (tree / "entry.py").write_text("class Plugin:\n    IS_PLUGIN = True\n")
        words = [rng.choice(("phone", "line", "proxy", "vlan", "codec", "ring")) for _ in range(size // 5)]
        (tree / "templates/base.tpl").write_text(" ".join(words))
        packages.append(inspect_package(pack(tree, f"bench-{n}", dev, 0), built_here=True))
    write_atomic(dev / INDEX_NAME, Index.from_packages(packages).to_bytes())



def measure(commands: dict[str, callable], work: Path, args, env: dict) -> dict[str, dict[str, list[float]]]:
    times = {name: {"first": [], "noop": [], "changed": []} for name in commands}
    for run in range(args.runs):
        for name, command_for in commands.items():
            build = work / "build"
            make_packages(build / "dev", args.packages, args.size)
            command = command_for(build, run)
            times[name]["first"].append(timed(command, env))
            times[name]["noop"].append(timed(command, env))
            make_packages(build / "dev", args.packages, args.size, bump=1)
            times[name]["changed"].append(timed(command, env))
            print(f"  {name} run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times[name].items()),
                  file=sys.stderr)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--packages", type=int, default=40)
    parser.add_argument("--size", type=int, default=200_000, help="approximate bytes of text per plugin")
    args = parser.parse_args()
    from tests.s3server import new_bucket, start_moto

    server, endpoint = start_moto()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": endpoint}
    os.environ.update(env)
    inv = [sys.executable, "-m", "invoke", "--search-root", str(ROOT), "upload"]
    with tempfile.TemporaryDirectory(prefix="provd-bench-") as work:
        work = Path(work)

        def local_repo(run: int, kind: str) -> Path:
            repo = work / f"{kind}-{run}"
            shutil.rmtree(repo, ignore_errors=True)
            return repo

        results = {
            "local": measure({
                "inv upload": lambda build, run: inv + ["--repo", str(local_repo(run, "new")), "--build-dir", str(build)],
                "classic": lambda build, run: ["rsync", "-a", "--delete", "--mkpath", f"{build}/dev/",
                                               f"{local_repo(run, 'old')}/dev/"],
            }, work, args, env),
            "s3": measure({
                "inv upload": lambda build, run: inv + ["--repo", f"s3://{new_bucket(endpoint)}", "--build-dir",
                                                        str(build)],
                "classic": lambda build, run: [sys.executable, "-c", S3_CLASSIC, str(build / "dev"),
                                               new_bucket(endpoint)],
            }, work, args, env),
        }
    server.stop()
    print(f"{args.packages} packages of ~{args.size // 1000} kB of text; {os.cpu_count()} CPUs; "
          f"median of {args.runs} runs.\n")
    print("| repository | scenario | inv upload | classic | ratio |")
    print("| --- | --- | ---: | ---: | ---: |")
    for repo, times in results.items():
        for key, label in (("first", "first publish"), ("noop", "no-op republish"), ("changed", "one plugin changed")):
            new, old = statistics.median(times["inv upload"][key]), statistics.median(times["classic"][key])
            print(f"| {repo} | {label} | {new:.2f} s | {old:.2f} s | {old / new:.1f}x |")


if __name__ == "__main__":
    main()
