"""Invoke tasks: thin wiring over build.py and the repo package. Run ``inv --list``."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from invoke import Exit, task

import build as engine
from repo.cli import install_trailing_words, reports_errors
from repo.dhcp import DATA_FILE as DHCP_DATA_FILE, load_dhcp_data
from repo.dhcpbundle import BUNDLE_NAME, render_bundle, write_bundle
from repo.errors import ToolchainError

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


@task(help={
    "plugins-dir": "folder of build plugins with their dhcp.toml (default: plugins)",
    "build-dir": "where dhcpd.tar.bz2 is written (default: _build)",
})
@reports_errors
def dhcp(c, plugins_dir=DEFAULT_PLUGINS_DIR, build_dir=DEFAULT_BUILD_DIR):
    """Generate the DHCP bundle <build-dir>/dhcpd.tar.bz2 from the plugins' dhcp.toml files."""
    vendors = load_dhcp_data(Path(plugins_dir))
    if not vendors:
        raise ToolchainError(f"no build plugin in {plugins_dir}/ has a {DHCP_DATA_FILE}: no bundle to make")
    dest = write_bundle(render_bundle(vendors, Path(plugins_dir)), Path(build_dir) / BUNDLE_NAME)
    classes = sum(len(v.classes) for v in vendors)
    print(f"{dest}: {len(vendors)} vendor(s), {classes} class(es)")


install_trailing_words({"build": (build, "selector")}, {"build", "dhcp"})
