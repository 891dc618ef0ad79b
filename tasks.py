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
from repo.scaffold import DEFAULT_VERSION, create, plan_plugin
from repo.validation.findings import count, errors, plural

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


@task(
    iterable=["selector"],
    help={
        "plugins-dir": "folder of build plugins (default: plugins)",
        "strict": "fail on warnings too",
        "firmware-dir": "folder holding the firmware files pkgs.db describes (default: "
                        "<plugins-dir>/_firmwares/<vendor>/ of each build plugin)",
        "jobs": "parallel targets (default: number of CPUs)",
        "selector": "build plugin name or plugin:target (repeatable; bare words after the task work too)",
    },
)
@reports_errors
def validate(c, plugins_dir=DEFAULT_PLUGINS_DIR, strict=False, firmware_dir=None, jobs=0, selector=None):
    """Check plugins (built into a scratch folder) for anything provd would refuse or choke on."""
    plugins, _ = engine.load_tree(plugins_dir)
    if not plugins:
        print(f"no build plugins in {plugins_dir}/ (a build plugin is a folder with a build.py): nothing to check")
        return
    result = engine.check(plugins_dir, selector or (), jobs=jobs or None, firmware_dir=firmware_dir)
    for finding in result.findings:
        print(finding)
    failed = bool(errors(result.findings)) or strict and bool(result.findings)
    verdict = "FAILED" if failed else "ok"
    print(f"{plural(result.checked, 'plugin')} checked: {count(result.findings)}: {verdict}"
          + (" (--strict: warnings fail too)" if strict and failed and not errors(result.findings) else ""))
    if failed:
        raise Exit(code=1)


@task(
    positional=["vendor"],
    iterable=["models"],
    help={
        "vendor": "the phones' maker as it should read in capabilities, e.g. Acme (letters and digits)",
        "plugins-dir": "folder of build plugins (default: plugins); the plugin goes in <plugins-dir>/xivo_<vendor>/",
        "version": f"firmware version of the first target (default: {DEFAULT_VERSION})",
        "models": "a phone model (repeatable; bare words after the vendor work too)",
        "tests-dir": "where the plugin's test goes (default: tests/ next to the plugins folder)",
    },
)
@reports_errors
def new_plugin(c, vendor, plugins_dir=DEFAULT_PLUGINS_DIR, version=DEFAULT_VERSION, models=None, tests_dir=None):
    """Scaffold a build plugin for VENDOR's MODELS, and its test; it builds and validates as created."""
    plugin = plan_plugin(vendor, version, models or ())
    tests = Path(tests_dir) if tests_dir else Path(plugins_dir).parent / "tests"
    folder, test_file = create(Path(plugins_dir), tests, plugin)
    print(f"created {folder}/ ({plugin.plugin_id}: {', '.join(plugin.models)}) and {test_file}")
    print(f"next: fill in the places marked EDIT ME, then `inv validate --strict {plugin.name}` "
          f"and `python -m pytest {test_file}`")


install_trailing_words({"build": (build, "selector"), "validate": (validate, "selector"),
                        "new-plugin": (new_plugin, "models")},
                       {"build", "validate", "dhcp", "new-plugin"})
