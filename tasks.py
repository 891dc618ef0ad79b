"""Invoke tasks: thin wiring over build.py and the repo package. Run ``inv --list``.

A task imports what only it uses (publishing, DHCP, the catalog) in its body: every
``inv`` run loads this file, and should not pay for the other tasks.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

# Invoke turns bytecode writing off. Turned back on before the imports below (unless the user
# turned it off: -B, PYTHONDONTWRITEBYTECODE), the toolchain's modules are compiled once, not
# on every run (__pycache__/ is git-ignored).
sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)

from invoke import Exit, task

import build as engine
from repo.errors import ToolchainError
from repo.package.index import INDEX_NAME
from repo.scaffold import DEFAULT_VERSION
from repo.ui.cli import install_trailing_words, reports_errors
from repo.validation.silencing import Silencing

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_PLUGINS_DIR = "plugins"
DEFAULT_BUILD_DIR = "_build"
DEFAULT_REPO = PROJECT_ROOT / "_repo"

REPO_HELP = "s3://bucket[/prefix], a folder or a file:// URL (default: $PROVD_REPO, provd.repo, else _repo/)"
DRY_RUN_HELP = "print the plan and change nothing"
FORCE_HELP = "replace a published file that has different bytes under the same name"


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
    if not engine.build_plugin_folders(plugins_dir):
        print(f"no build plugins in {plugins_dir}/ (a build plugin is a folder with a build.py): nothing to build")
        return
    result = engine.build(plugins_dir, build_dir, selector or (), jobs=jobs or None, verbose=verbose,
                          silencing=_silencing(c))
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
    _write_dhcp_bundle(Path(plugins_dir), Path(build_dir))


def _write_dhcp_bundle(plugins_dir: Path, build_dir: Path) -> Path:
    from repo.dhcp.bundle import BUNDLE_NAME, render_bundle, write_bundle
    from repo.dhcp.data import DATA_FILE as DHCP_DATA_FILE
    from repo.dhcp.data import load_dhcp_data

    vendors = load_dhcp_data(plugins_dir)
    if not vendors:
        raise ToolchainError(f"no build plugin in {plugins_dir}/ has a {DHCP_DATA_FILE}: no bundle to make")
    dest = write_bundle(render_bundle(vendors, plugins_dir), build_dir / BUNDLE_NAME)
    print(f"{dest}: {len(vendors)} vendor(s), {sum(len(v.classes) for v in vendors)} class(es)")
    return dest


@task(help={
    "repo": REPO_HELP,
    "plugins-dir": "folder of build plugins, to generate the bundle when there is none (default: plugins)",
    "build-dir": "where dhcpd.tar.bz2 is (default: _build)",
    "dry-run": DRY_RUN_HELP,
})
@reports_errors
def upload_dhcp(c, repo=None, plugins_dir=DEFAULT_PLUGINS_DIR, build_dir=DEFAULT_BUILD_DIR, dry_run=False):
    """Publish <build-dir>/dhcpd.tar.bz2 to <repo>/dhcpd-update/ (generated first when missing)."""
    from repo.dhcp.bundle import BUNDLE_NAME
    from repo.dhcp.publish import publish_bundle

    bundle = Path(build_dir) / BUNDLE_NAME
    if not bundle.exists():
        if dry_run:
            print(f"no {bundle}: would generate it (inv dhcp), then publish it")
            return
        _write_dhcp_bundle(Path(plugins_dir), Path(build_dir))
    print(publish_bundle(_repository(c, repo), bundle, dry_run))


@task(
    iterable=["selector"],
    help={
        "plugins-dir": "folder of build plugins (default: plugins)",
        "strict": "fail on warnings too (silenced ones excepted)",
        "firmware-dir": "folder holding the firmware files pkgs.db describes (default: "
                        "<plugins-dir>/_firmwares/<vendor>/ of each build plugin)",
        "jobs": "parallel targets (default: number of CPUs)",
        "selector": "build plugin name or plugin:target (repeatable; bare words after the task work too)",
    },
)
@reports_errors
def validate(c, plugins_dir=DEFAULT_PLUGINS_DIR, strict=False, firmware_dir=None, jobs=0, selector=None):
    """Check plugins (built into a scratch folder) for anything provd would refuse or choke on."""
    from repo.validation.report import summary

    if not engine.build_plugin_folders(plugins_dir):
        print(f"no build plugins in {plugins_dir}/ (a build plugin is a folder with a build.py): nothing to check")
        return
    result = engine.check(plugins_dir, selector or (), jobs=jobs or None, firmware_dir=firmware_dir,
                          silencing=_silencing(c))
    for finding in result.findings:
        print(finding)
    lines, failed = summary(result.checked, result.findings, result.silenced, strict)
    print("\n".join(lines))
    if failed:
        raise Exit(code=1)


def _silencing(c) -> Silencing:
    """The warnings the project configuration silences (provd.validation)."""
    return Silencing.from_config(c.config.get("provd"))


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
    from repo.scaffold import create, plan_plugin

    plugin = plan_plugin(vendor, version, models or ())
    tests = Path(tests_dir) if tests_dir else Path(plugins_dir).parent / "tests"
    folder, test_file = create(Path(plugins_dir), tests, plugin)
    print(f"created {folder}/ ({plugin.plugin_id}: {', '.join(plugin.models)}) and {test_file}")
    print(f"next: fill in the places marked EDIT ME, then `inv validate --strict {plugin.name}` "
          f"and `python -m pytest {test_file}`")




def _repository(c, repo):
    from repo.publish.address import open_repository, repository_address

    config = c.config.get("provd") or {}
    return open_repository(repository_address(repo, config, DEFAULT_REPO), config)


def _run(plan, dry_run: bool):
    """Print a publishing plan (dry run), or carry it out; the outcome (None for a dry run)."""
    from repo.publish import plan as publish

    if dry_run:
        print("\n".join(plan.lines()))
        print("dry run: nothing changed")
        return None
    outcome = publish.apply(plan)
    print(outcome.summary(plan.channel))
    return outcome


@task(help={"repo": REPO_HELP, "build-dir": "build folder (default: _build)", "dry-run": DRY_RUN_HELP,
            "force": FORCE_HELP})
@reports_errors
def upload(c, repo=None, build_dir=DEFAULT_BUILD_DIR, dry_run=False, force=False):
    """Publish the packages of <build-dir>/dev/plugins.db to the dev channel (building first if needed)."""
    from repo.publish import plan as publish

    storage = _repository(c, repo)
    packages_dir = Path(build_dir) / "dev"
    if not (packages_dir / INDEX_NAME).exists():
        if dry_run:
            print(f"no {packages_dir / INDEX_NAME} yet: would run the default build, then upload its packages")
            return
        build(c, build_dir=build_dir)
    _run(publish.plan_upload(storage, packages_dir, force), dry_run)


@task(iterable=["plugin_id"],
      help={"repo": REPO_HELP, "from": "source channel (default: dev)", "to": "destination channel (default: stable)",
            "plugin-id": "plugin id to promote (repeatable; bare words after the task work too)",
            "dry-run": DRY_RUN_HELP, "force": FORCE_HELP})
@reports_errors
def promote(c, plugin_id=None, repo=None, from_="dev", to="stable", dry_run=False, force=False):
    """Copy the packages indexed in one channel for the given ids into another, and index them there."""
    from repo.publish import plan as publish

    storage = _repository(c, repo)
    _run(publish.plan_promote(storage, from_, to, plugin_id or [], force), dry_run)


@task(iterable=["plugin_id"],
      help={"repo": REPO_HELP, "channel": "channel to remove from: dev or stable (required)",
            "plugin-id": "plugin id to remove (repeatable; bare words after the task work too)",
            "dry-run": DRY_RUN_HELP})
@reports_errors
def remove(c, channel=None, plugin_id=None, repo=None, dry_run=False):
    """Take plugin ids out of a channel's index; their packages move to the archive channel."""
    from repo.publish import plan as publish

    if not channel:
        raise ToolchainError("--channel is required (dev or stable)")
    storage = _repository(c, repo)
    _run(publish.plan_remove(storage, channel, plugin_id or []), dry_run)


@task(name="download-stable",
      help={"repo": REPO_HELP, "build-dir": "build folder (default: _build); the mirror is <build-dir>/stable",
            "dry-run": DRY_RUN_HELP})
@reports_errors
def download_stable(c, repo=None, build_dir=DEFAULT_BUILD_DIR, dry_run=False):
    """Mirror the stable channel into <build-dir>/stable, verifying every package."""
    from repo.publish import stablesync

    storage = _repository(c, repo)
    stable_dir = Path(build_dir) / stablesync.STABLE
    if dry_run:
        print("\n".join(stablesync.plan_download(storage, stable_dir).lines(storage, stable_dir)))
        print("dry run: nothing changed")
        return
    mirror = stablesync.download_stable(storage, stable_dir)
    print(f"{stable_dir}: {len(mirror.download)} downloaded, {len(mirror.keep)} already there, "
          f"{len(mirror.delete)} deleted")


@task(name="upload-stable",
      help={"repo": REPO_HELP, "build-dir": "build folder (default: _build); publishes <build-dir>/stable",
            "dry-run": DRY_RUN_HELP, "force": FORCE_HELP})
@reports_errors
def upload_stable(c, repo=None, build_dir=DEFAULT_BUILD_DIR, dry_run=False, force=False):
    """Make the stable channel exactly the packages of <build-dir>/stable (after download-stable)."""
    from repo.publish import stablesync

    storage = _repository(c, repo)
    stable_dir = Path(build_dir) / stablesync.STABLE
    outcome = _run(stablesync.plan_upload_stable(storage, stable_dir, force), dry_run)
    if outcome is not None:
        stablesync.record_upload(storage, stable_dir, outcome.index)


@task(name="list",
      help={"repo": REPO_HELP, "channel": "channel to list: dev, stable or archive (default: stable)",
            "model": "only plugins with a phone model whose vendor or model contains this text (any case)",
            "json": "print a JSON document for scripts instead of the table"})
@reports_errors
def list_(c, repo=None, channel="stable", model=None, json=False):
    """List a channel's plugins: id, version, phone models, description."""
    from rich.console import Console  # rich is slow to import: only when needed

    from repo.catalog import listing
    from repo.publish.channel import check_channel, index_key, read_index
    from repo.ui.terminal import printable

    storage = _repository(c, repo)
    current = read_index(storage, check_channel(channel))
    if current.data is None:
        raise ToolchainError(f"nothing published to the {channel} channel yet (no {INDEX_NAME})",
                             storage.url(index_key(channel)))
    listed = listing.select(current.index, model)
    if json:
        print(listing.to_json(listed, storage.url(), channel, model))
        return
    print(printable(listing.heading(listed, storage.url(), channel, model)))
    if listed:
        Console().print(listing.to_table(listed))


@task(positional=["from_", "to"],
      help={"repo": REPO_HELP, "from": "the channel whose plugins would be promoted (e.g. dev)",
            "to": "the channel they would be promoted into (e.g. stable)",
            "json": "print a JSON document for scripts instead of the text"})
@reports_errors
def diff(c, from_, to, repo=None, json=False):
    """What promoting FROM into TO would change, per plugin id: new, upgraded, models, descriptions."""
    from repo.catalog.indexdiff import diff_indexes
    from repo.publish.channel import check_channel, read_index
    from repo.ui.terminal import printable

    storage = _repository(c, repo)
    source, target = read_index(storage, check_channel(from_)), read_index(storage, check_channel(to))
    if source.data is None and target.data is None:
        raise ToolchainError(f"nothing published to the {from_} or the {to} channel yet (no {INDEX_NAME})",
                             storage.url())
    difference = diff_indexes(source.index, target.index, from_, to)
    print(difference.to_json() if json else "\n".join(printable(line) for line in difference.lines()))


@task(help={"repo": "local repository folder or file:// URL (default: as for upload)",
            "port": "TCP port (default: 8667; 0 picks a free one)",
            "bind": "address to listen on (default: 127.0.0.1)"})
@reports_errors
def serve(c, repo=None, port=8667, bind="127.0.0.1"):
    """Serve a local repository over HTTP; use http://HOST:PORT/<channel>/ as provd's plugin server URL."""
    from repo.publish.serve import make_server
    from repo.publish.storage.local import LocalStorage

    storage = _repository(c, repo)
    if not isinstance(storage, LocalStorage):
        raise ToolchainError(f"{storage.url()}: inv serve serves a local folder; "
                             "an S3 bucket is served over HTTP by S3 (or its CDN) itself")
    server = make_server(storage.root, bind, int(port))
    host, actual_port = server.server_address[:2]
    print(f"serving {storage.root} at http://{host}:{actual_port}/ "
          f"(plugin server URL: http://{host}:{actual_port}/stable/); Ctrl-C stops", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


install_trailing_words(
    {"build": (build, "selector"), "validate": (validate, "selector"), "new-plugin": (new_plugin, "models"),
     "promote": (promote, "plugin_id"), "remove": (remove, "plugin_id")},
    globals())
