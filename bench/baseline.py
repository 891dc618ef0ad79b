"""The classic flow, for comparison: sequential targets, one rsync or sed process per
command of the build files, ``tar -cjf`` per package, then plugins.db. It never skips
anything, as the classic Makefile + script flow never does. A target that fails is
reported and left out (its tree removed), the others are built and packaged, and the
exit status is 1, as ``build.py -B`` then ``-P`` do.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import traceback
from pathlib import Path

STD_DIRS = ("var/cache", "var/installed", "var/templates", "var/tftpboot")


def build_all(plugins_dir: Path, build_dir: Path) -> int:
    """Build, package and index every target; return the number of targets that failed."""
    failures = 0
    trees, dev = build_dir / "plugins", build_dir / "dev"
    shutil.rmtree(build_dir, ignore_errors=True)
    trees.mkdir(parents=True)
    dev.mkdir()
    for folder in sorted(p for p in plugins_dir.iterdir() if (p / "build.py").is_file()):
        targets = []
        namespace = {"target": lambda tid, pg_id, std_dirs=True: lambda f: targets.append((pg_id, std_dirs, f))}
        os.chdir(folder)
        exec(compile((folder / "build.py").read_text(), str(folder / "build.py"), "exec"), namespace)
        for pg_id, std_dirs, function in targets:
            tree = trees / pg_id
            tree.mkdir()
            try:
                function(str(tree))
            except Exception:
                print(f"error: target {pg_id} failed:", file=sys.stderr)
                traceback.print_exc()
                shutil.rmtree(tree)
                failures += 1
                continue
            for std_dir in STD_DIRS if std_dirs else ():
                (tree / std_dir).mkdir(parents=True, exist_ok=True)
            version = json.loads((tree / "plugin-info").read_text())["version"]
            subprocess.check_call(["tar", "-cjf", str(dev / f"{pg_id}-{version}.tar.bz2"), "-C", str(trees), pg_id])
    index = {}
    for package in sorted(dev.glob("*.tar.bz2")):
        data = package.read_bytes()
        with tarfile.open(package) as tar:
            top = tar.getnames()[0].split("/")[0]
            info = json.load(tar.extractfile(f"{top}/plugin-info"))
        info.update(filename=package.name, dsize=len(data), sha1sum=hashlib.sha1(data).hexdigest())
        index[top] = info
    (dev / "plugins.db").write_text(json.dumps(index, separators=(",", ":"), sort_keys=True))
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plugins_dir", type=Path)
    parser.add_argument("build_dir", type=Path)
    args = parser.parse_args()
    sys.exit(1 if build_all(args.plugins_dir.resolve(), args.build_dir.resolve()) else 0)


if __name__ == "__main__":
    main()
