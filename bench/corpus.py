"""Generate a benchmark corpus of build plugins in the upstream style.

Each build plugin has a ``common/`` folder (Python helper, templates, a data file) and
one folder per target (plugin-info, entry.py, pkgs.db, per-model templates); its
build.py copies both with rsync, as upstream build files do. Content is generated
from a seeded RNG so every run benchmarks the same bytes.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

WORDS = ("phone line proxy account setting value firmware model vendor network vlan ntp "
         "timezone locale transport register expires codec ring tone contact").split()

BUILD_FILE_HEAD = """\
from subprocess import check_call
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    def target(target_id: str, pg_id: str, std_dirs: bool = True): ...
"""

BUILD_TARGET = """

@target('{version}', '{pg_id}')
def build_{function}(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', '{version}/', path])
"""


ENTRY = """\
common = {}
execfile_('common.py', common)


class Plugin(common['BasePlugin']):
    IS_PLUGIN = True
"""

PKGS_DB = """\
[pkg_firmware]
description = Firmware {version}
version = {version}
files = firmware
install = firmware

[file_firmware]
url = https://downloads.example.org/firmware-{version}.zip
size = 1048576
sha1sum = {sha1}

[install_firmware]
a-b = unzip $FILE1
b-c = cp *.bin firmware/
"""


def _python(rng: random.Random, vendor: str) -> str:
    functions = "".join(f"\n\ndef setting_{n}():\n    return {_text(rng, 400)!r}\n" for n in range(40))
    return f'"""Helpers for {vendor} phones."""\n\n\nclass BasePlugin:\n    IS_PLUGIN = False\n{functions}'


def _text(rng: random.Random, size: int) -> str:
    words, total = [], 0
    while total < size:
        word = rng.choice(WORDS)
        words.append(word if rng.random() > 0.1 else f"{word}{rng.randrange(10_000)}\n")
        total += len(word) + 1
    return " ".join(words)[:size]


def generate(root: Path, plugins: int = 16, targets_per_plugin: int = 7, seed: int = 1) -> int:
    """Write the corpus under ``root``; return the number of targets."""
    rng = random.Random(seed)
    for p in range(plugins):
        vendor = f"vendor{p:02d}"
        folder = root / f"xivo_{vendor}"
        common = folder / "common"
        (common / "templates").mkdir(parents=True)
        (common / "common.py").write_text(_python(rng, vendor))
        for t in range(12):
            (common / "templates" / f"part{t}.tpl").write_text(_text(rng, 8_000))
        (common / "data.txt").write_text(_text(rng, 90_000))
        build_file = BUILD_FILE_HEAD
        for t in range(targets_per_plugin):
            version = f"{t + 1}.{rng.randrange(10)}.{rng.randrange(10)}"
            pg_id = f"xivo-{vendor}-{version}"
            version_dir = folder / version
            (version_dir / "templates").mkdir(parents=True)
            (version_dir / "pkgs").mkdir()
            info = {
                "version": f"0.{t + 1}",
                "description": f"Plugin for {vendor} phones in version {version}",
                "description_fr": f"Greffon pour les téléphones {vendor} en version {version}",
                "capabilities": {f"{vendor.title()}, M{m}, {version}": {"lines": m + 1, "protocol": "sip", "type": "deskphone"} for m in range(6)},
            }
            (version_dir / "plugin-info").write_text(json.dumps(info, indent=4, ensure_ascii=False) + "\n")
            (version_dir / "entry.py").write_text(ENTRY)
            (version_dir / "pkgs" / "pkgs.db").write_text(PKGS_DB.format(version=version, sha1=f"{rng.getrandbits(160):040x}"))
            for m in range(6):
                (version_dir / "templates" / f"M{m}.tpl").write_text(_text(rng, 3_000))
            build_file += BUILD_TARGET.format(version=version, pg_id=pg_id, function=version.replace(".", "_"))
        (folder / "build.py").write_text(build_file)
        (folder / "dhcp.toml").write_text(f'vendor = "{vendor.title()}"\nprovd_path = "/{vendor}"\n' + "".join(
            f'\n[[class]]\nmodel = "M{m}"\nvendor_class_prefix = "{vendor}_M{m}"\n' for m in range(6)))
    return plugins * targets_per_plugin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--plugins", type=int, default=16)
    parser.add_argument("--targets", type=int, default=7, help="targets per build plugin")
    args = parser.parse_args()
    print(generate(args.root, args.plugins, args.targets), "targets")


if __name__ == "__main__":
    main()
