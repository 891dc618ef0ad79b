"""Headless Chromium (Debian's ``chromium``) driven from the command line, for page tests.

Every run gets its own profile folder and may resolve no host but 127.0.0.1: the page
under test is the only thing it can load.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CHROMIUM = "chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def _run(profile: Path, *args: str) -> subprocess.CompletedProcess:
    executable = shutil.which(CHROMIUM)
    assert executable, "these tests need Debian's chromium package (the README's test command installs it)"
    profile.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([executable, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def dump_dom(url: str, profile: Path) -> str:
    """The page's DOM once loaded, serialised as HTML."""
    return _run(profile, "--dump-dom", url).stdout


def screenshot(url: str, png: Path, profile: Path, width: int = 1280, height: int = 900) -> Path:
    _run(profile, f"--window-size={width},{height}", f"--screenshot={png}", url)
    return png
