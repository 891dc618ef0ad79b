"""Invoke tasks: thin wiring over build.py and the repo package. Run ``inv --list``."""
from __future__ import annotations

import os
import sys

from invoke import Exit, task

import build as engine
from repo.cli import install_trailing_words, reports_errors

DEFAULT_PLUGINS_DIR = "plugins"
DEFAULT_BUILD_DIR = "_build"


@task(
    iterable=["selector"],
    help={
        "plugins-dir": "folder of build plugins (default: plugins)",
        "build-dir": "output folder (default: _build): plugins/, dev/ and dev/plugins.db",
        "jobs": "parallel targets (default: number of CPUs)",
        "selector": "build plugin name or plugin:target (repeatable; bare words after the task work too)",
        "verbose": "print full tracebacks of failed targets",
    },
)
@reports_errors
def build(c, plugins_dir=DEFAULT_PLUGINS_DIR, build_dir=DEFAULT_BUILD_DIR, jobs=0, selector=None, verbose=False):
    """Build, package and index plugins into <build-dir>/dev (only what changed)."""
    plugins, _ = engine.load_tree(plugins_dir)
    if not plugins:
        print(f"no build plugins in {plugins_dir}/ (a build plugin is a folder with a build.py): nothing to build")
        return
    result = engine.build(plugins_dir, build_dir, selector or (), jobs=jobs or None, verbose=verbose)
    print(f"{len(result.built)} built, {len(result.cached)} up to date, {len(result.failures)} failed; "
          f"index: {os.path.relpath(result.index_path)}")
    if not result.ok:
        for failure in result.failures:
            print(f"error: {failure}", file=sys.stderr)
        raise Exit(code=1)


install_trailing_words({"build": (build, "selector")}, {"build"})
