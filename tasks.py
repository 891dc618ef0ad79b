"""Invoke tasks: thin wiring over build.py and the repo package. Run ``inv --list``."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from invoke import Exit, task

import build as engine
from repo import publish, stablesync
from repo.address import open_repository, repository_address
from repo.cli import install_trailing_words, reports_errors
from repo.errors import ToolchainError
from repo.index import INDEX_NAME

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


def _repository(c, repo):
    config = c.config.get("provd") or {}
    return open_repository(repository_address(repo, config, DEFAULT_REPO), config)


def _run(plan: publish.Plan, dry_run: bool) -> publish.Outcome | None:
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
    storage = _repository(c, repo)
    _run(publish.plan_promote(storage, from_, to, plugin_id or [], force), dry_run)


@task(iterable=["plugin_id"],
      help={"repo": REPO_HELP, "channel": "channel to remove from: dev or stable (required)",
            "plugin-id": "plugin id to remove (repeatable; bare words after the task work too)",
            "dry-run": DRY_RUN_HELP})
@reports_errors
def remove(c, channel=None, plugin_id=None, repo=None, dry_run=False):
    """Take plugin ids out of a channel's index; their packages move to the archive channel."""
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
    storage = _repository(c, repo)
    stable_dir = Path(build_dir) / stablesync.STABLE
    outcome = _run(stablesync.plan_upload_stable(storage, stable_dir, force), dry_run)
    if outcome is not None:
        stablesync.record_upload(storage, stable_dir, outcome.index)


@task(help={"repo": "local repository folder or file:// URL (default: as for upload)",
            "port": "TCP port (default: 8667; 0 picks a free one)",
            "bind": "address to listen on (default: 127.0.0.1)"})
@reports_errors
def serve(c, repo=None, port=8667, bind="127.0.0.1"):
    """Serve a local repository over HTTP; use http://HOST:PORT/<channel>/ as provd's plugin server URL."""
    from repo.serve import make_server
    from repo.storage.local import LocalStorage

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
    {"build": (build, "selector"), "promote": (promote, "plugin_id"), "remove": (remove, "plugin_id")},
    {"build", "upload", "promote", "remove", "download-stable", "upload-stable", "serve"})
