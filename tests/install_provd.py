"""Install the real provd into a Python environment, for the tests (idempotent, quick when done).

Run it with the interpreter of the environment the tests run in:

    python tests/install_provd.py          # install what is missing; a no-op when all is there
    python tests/install_provd.py --check  # only tell whether it is installed (exit 1 if not)

The archives pinned in tests/requirements-provd.txt (wazo-provd and the libraries it
imports, one upstream commit each) come from a local folder holding them when there is
one: $PROVD_SOURCES, else ../shared/provd next to this checkout, else /work/shared/provd;
otherwise from their public repositories, at the URLs of that file. They are installed
without their declared dependencies (which point at moving branches); the third-party
libraries they import are tests/requirements-provd-deps.txt, from the package registry.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Mapping, Sequence

HERE = Path(__file__).resolve().parent
ARCHIVES_FILE = HERE / "requirements-provd.txt"
DEPENDENCIES_FILE = HERE / "requirements-provd-deps.txt"
SOURCES_VARIABLE = "PROVD_SOURCES"
LOCAL_FOLDERS = (HERE.parent.parent / "shared" / "provd", Path("/work/shared/provd"))
IMPORT_CHECK = "import wazo_provd.app, wazo_provd.plugins, xivo_fetchfw.storage"
_ARCHIVE_LINE = re.compile(r"(?P<name>[\w.-]+) @ (?P<url>https://github\.com/[\w.-]+/(?P<repo>[\w.-]+)/archive/"
                           r"(?P<commit>[0-9a-f]{7,40})\.tar\.gz)")


class InstallError(Exception):
    """Why provd could not be installed; printed as one line."""


@dataclass(frozen=True)
class Archive:
    """One line of requirements-provd.txt: a distribution made from one commit of a repository."""

    name: str
    repo: str
    commit: str
    url: str

    @property
    def filename(self) -> str:
        """The file name of this archive in a local folder of sources."""
        return f"{self.repo}-{self.commit}.tar.gz"

    def is_installed(self) -> bool:
        """Whether this very commit is installed (pip records where a distribution came from)."""
        try:
            origin = json.loads(metadata.distribution(self.name).read_text("direct_url.json") or "{}")
        except metadata.PackageNotFoundError:
            return False
        url = origin.get("url", "")
        return url.endswith(("/" + self.filename, f"/{self.repo}/archive/{self.commit}.tar.gz"))


def _requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def read_archives(path: Path = ARCHIVES_FILE) -> list[Archive]:
    archives = []
    for line in _requirement_lines(path):
        match = _ARCHIVE_LINE.fullmatch(line)
        if not match:
            raise InstallError(f"{path}: {line!r} is not 'name @ https://github.com/<owner>/<repo>/archive/"
                               "<commit>.tar.gz'")
        archives.append(Archive(match["name"], match["repo"], match["commit"], match["url"]))
    return archives


def unmet_dependencies(path: Path = DEPENDENCIES_FILE) -> list[str]:
    """The third-party requirements the environment does not satisfy (all of them if it cannot tell)."""
    lines = _requirement_lines(path)
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pytest brings packaging; without it, pip decides
        return lines
    unmet = []
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            unmet.append(line)
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            unmet.append(line)
    return unmet


def sources_folder(environ: Mapping[str, str] = os.environ,
                   candidates: Sequence[Path] = LOCAL_FOLDERS) -> Path | None:
    """The local folder of provd archives to install from, or None (public repositories)."""
    if environ.get(SOURCES_VARIABLE):
        folder = Path(environ[SOURCES_VARIABLE])
        if not folder.is_dir():
            raise InstallError(f"{folder}: no such folder (${SOURCES_VARIABLE})")
        return folder
    return next((folder for folder in candidates if folder.is_dir()), None)


def archive_sources(archives: Sequence[Archive], folder: Path | None) -> list[str]:
    """What pip installs for the archives: files of the local folder, else the public URLs."""
    if folder is None:
        return [archive.url for archive in archives]
    missing = [archive.filename for archive in archives if not (folder / archive.filename).is_file()]
    if missing:
        raise InstallError(f"{folder}: no {', '.join(missing)} (the commits {ARCHIVES_FILE.name} pins)")
    return [str(folder / archive.filename) for archive in archives]


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    if subprocess.run(command).returncode != 0:
        raise InstallError(f"pip failed: {' '.join(command)}")


def install(environ: Mapping[str, str] = os.environ) -> str:
    """Install whatever is missing; return what was done, in one line."""
    archives = read_archives()
    to_install = [archive for archive in archives if not archive.is_installed()]
    unmet = unmet_dependencies()
    if not to_install and not unmet:
        return f"provd already installed in {sys.prefix} ({len(archives)} archives and their libraries)"
    done = []
    if to_install:
        folder = sources_folder(environ)
        _pip("--no-deps", *archive_sources(to_install, folder))
        done.append(f"{len(to_install)} archive(s) from {folder or 'their public repositories'}")
    if unmet:
        _pip("-r", str(DEPENDENCIES_FILE))
        done.append(f"libraries {', '.join(unmet)}")
    checked = subprocess.run([sys.executable, "-W", "ignore", "-c", IMPORT_CHECK], capture_output=True, text=True)
    if checked.returncode != 0:
        last = (checked.stderr.strip().splitlines() or ["?"])[-1]
        raise InstallError(f"installed, but provd does not import: {last}")
    return f"provd installed in {sys.prefix}: {'; '.join(done)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only tell whether provd is installed")
    options = parser.parse_args(argv)
    try:
        if options.check:
            missing = [a.name for a in read_archives() if not a.is_installed()] + unmet_dependencies()
            print("provd is installed" if not missing else f"provd is not installed: missing {', '.join(missing)}")
            return 1 if missing else 0
        print(install())
    except InstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
