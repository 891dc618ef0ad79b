"""Invoke tasks: thin wiring over build.py and the repo package. Run ``inv --list``."""
from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

# Invoke turns bytecode writing off. Turned back on before the imports below (unless the user
# turned it off: -B, PYTHONDONTWRITEBYTECODE), the toolchain's modules are compiled once, not
# on every run (__pycache__/ is git-ignored).
sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)

from invoke import Exit  # noqa: E402 (bytecode writing decided first)

import build as engine
from repo.build import buildfolder
from repo.catalog.indexdiff import diff_indexes
from repo.dhcp.data import DATA_FILE as DHCP_DATA_FILE
from repo.dhcp.data import VENDOR_ONLY_FOLDER, load_dhcp_data
from repo.errors import ToolchainError
from repo.fileutil import write_atomic
from repo.package.index import INDEX_NAME, Index
from repo.publish import firmwares, selection, stablesync
from repo.publish import plan as publish
from repo.publish.address import configured_address, open_repository, repository_address
from repo.publish.channel import check_channel, index_key, read_index
from repo.publish.httpmeta import CHANNELS
from repo.publish.published import published_findings
from repo.scaffold import DEFAULT_VERSION, TEST_FILE, create, plan_plugin
from repo.ui.cli import install_trailing_words, reports_errors
from repo.ui.config import ProjectConfig, project_config
from repo.ui.options import show_values_of_repeatable_options, task
from repo.ui.terminal import print_lines, printable
from repo.validation.findings import ordered, plural
from repo.validation.provdcompat import require_provd
from repo.validation.report import summary
from repo.validation.silencing import Silencing

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_REPO = PROJECT_ROOT / "_repo"

REPO_HELP = "s3://bucket[/prefix], a folder or a file:// URL (default: $PROVD_REPO, provd.repo, else _repo/)"
PLUGINS_HELP = "folder of build plugins (default: provd.plugins_dir, else plugins)"
BUILD_HELP = "build folder (default: provd.build_dir, else _build)"
DRY_RUN_HELP = "print the plan and change nothing"
SELECTOR_HELP = ("build plugin folder name, plugin:target, plugin id, or a glob of ids or names (repeatable; "
                 "bare words after the task work too)")
FORCE_HELP = "replace a published file that has different bytes under the same name"
VERBOSE_HELP = "list every package, not only what changes (the rest is one summary line)"
JOBS_HELP = "parallel targets (default: number of CPUs)"
AGAINST_HELP = ("repository whose published versions the packages are compared with (default: $PROVD_REPO, "
                "provd.repo; none: no comparison); unreadable: an error (a configured one: a warning)")


@task(
    iterable=["selector"],
    help={
        "plugins-dir": PLUGINS_HELP,
        "build-dir": "output folder (default: provd.build_dir, else _build): plugins/, dev/ and dev/plugins.db",
        "jobs": JOBS_HELP,
        "selector": SELECTOR_HELP,
        "verbose": "print full tracebacks of failed targets",
        "against": AGAINST_HELP,
    },
)
@reports_errors
def build(c, plugins_dir=None, build_dir=None, jobs=0, selector=None, verbose=False, against=None):
    """Build, package and index plugins into <build-dir>/dev (only what changed)."""
    config = _config(c)
    plugins_dir, build_dir = config.plugins(plugins_dir), config.build(build_dir)
    if not engine.build_plugin_folders(plugins_dir):
        print(f"no build plugins in {plugins_dir}/ (a build plugin is a folder with a build.py): nothing to build")
        return
    result = engine.build(plugins_dir, build_dir, selector or (), jobs=jobs or None, verbose=verbose,
                          silencing=_silencing(c))
    for finding in _published(c, against, Index.from_bytes(result.index_path.read_bytes(), str(result.index_path)),
                              lambda entry: os.path.relpath(result.index_path.parent / entry["filename"])):
        print(finding, file=sys.stderr)
    print(f"{len(result.built)} built, {len(result.cached)} up to date, {len(result.failures)} failed; "
          f"index: {os.path.relpath(result.index_path)}")
    if not result.ok:
        for failure in result.failures:
            print(f"error: {failure}", file=sys.stderr)
        raise Exit(code=1)


@task(help={
    "plugins-dir": "folder of build plugins with their dhcp.toml, and _dhcp/ (default: provd.plugins_dir, "
                   "else plugins)",
    "build-dir": "where dhcpd.tar.bz2 is written (default: provd.build_dir, else _build)",
})
@reports_errors
def dhcp(c, plugins_dir=None, build_dir=None):
    """Generate the DHCP bundle <build-dir>/dhcpd.tar.bz2 from the plugins' DHCP data."""
    # The DHCP modules are loaded by the tasks that use them only.
    from repo.dhcp.bundle import BUNDLE_NAME

    config = _config(c)
    plugins_dir, build_dir = config.plugins(plugins_dir), config.build(build_dir)
    bundle = build_dir / BUNDLE_NAME
    vendors, data = _dhcp_bundle(plugins_dir)
    changed = not bundle.is_file() or bundle.read_bytes() != data
    if changed:
        buildfolder.claim(build_dir, plugins_dir)
        write_atomic(bundle, data)
    print(f"{bundle}: {_bundle_summary(vendors)}{'' if changed else ' (unchanged)'}")


def _dhcp_bundle(plugins_dir: Path) -> tuple[list, bytes]:
    from repo.dhcp.bundle import bundle_bytes

    vendors = load_dhcp_data(plugins_dir)
    if not vendors:
        raise ToolchainError(f"no DHCP data in {plugins_dir}/ (a build plugin's {DHCP_DATA_FILE}, or "
                             f"{VENDOR_ONLY_FOLDER}/*.toml): no bundle to make")
    return vendors, bundle_bytes(vendors, plugins_dir)


def _bundle_summary(vendors: list) -> str:
    return (f"{len(vendors)} vendor(s), {sum(len(v.classes) for v in vendors)} class(es), "
            f"{sum(len(v.mac_prefixes) for v in vendors)} MAC prefix(es)")


@task(
    positional=["source"],
    help={
        "source": "the hand-kept folder: dhcpd_update.conf, dhcpd_update/<vendor>.conf, dhcpd_subnet.conf.middle",
        "plugins-dir": f"where the data goes (default: provd.plugins_dir, else plugins): <plugin>/{DHCP_DATA_FILE} "
                       f"or {VENDOR_ONLY_FOLDER}/",
        "dry-run": "say what would go where and write nothing",
        "force": "replace DHCP data files that exist already",
    })
@reports_errors
def dhcp_import(c, source, plugins_dir=None, dry_run=False, force=False):
    """Turn a hand-kept dhcpd-update folder into DHCP data next to the build plugins (or in _dhcp/)."""
    from repo.dhcp.importer import apply_import, plan_import

    plugins_dir = _config(c).plugins(plugins_dir)
    plan = plan_import(Path(source), plugins_dir)
    if plan.refusals:
        for finding in plan.refusals:
            print(finding, file=sys.stderr)
        raise Exit(f"error: {plural(len(plan.refusals), 'statement')} of {source} cannot be imported (above); "
                   "nothing written", code=1)
    print("\n".join(plan.lines()))
    if dry_run:
        print(f"dry run: {plan.summary(plugins_dir)}; nothing written")
        return
    apply_import(plan, force)
    print(f"imported {plan.summary(plugins_dir)}")


@task(help={
    "repo": REPO_HELP,
    "plugins-dir": "folder of build plugins and their DHCP data (default: provd.plugins_dir, else plugins)",
    "build-dir": "where dhcpd.tar.bz2 is (default: provd.build_dir, else _build)",
    "path": "repository folder of the bundle (default: provd.dhcp_path, else dhcpd-update)",
    "dry-run": DRY_RUN_HELP,
    "force": "publish even if the bundle drops vendors that the published bundle serves",
})
@reports_errors
def upload_dhcp(c, repo=None, plugins_dir=None, build_dir=None, path=None, dry_run=False, force=False):
    """Publish <build-dir>/dhcpd.tar.bz2 to <repo>/<path>/ (regenerated first if the DHCP data changed)."""
    from repo.dhcp.bundle import BUNDLE_NAME
    from repo.dhcp.publish import dhcp_path, publish_bundle

    config = _config(c)
    plugins_dir, build_dir = config.plugins(plugins_dir), config.build(build_dir)
    folder = dhcp_path(path, config.settings)
    storage = _repository(c, repo)
    bundle = build_dir / BUNDLE_NAME
    vendors, data = _dhcp_bundle(plugins_dir)
    if bundle.is_file() and bundle.read_bytes() == data:
        print_lines([publish_bundle(storage, bundle, folder, dry_run, force)])
        return
    state = "is older than the DHCP data" if bundle.is_file() else "does not exist"
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="dhcp-bundle-") as scratch:
            fresh = Path(scratch) / BUNDLE_NAME
            write_atomic(fresh, data)
            print(f"{bundle} {state}: would regenerate it ({_bundle_summary(vendors)})")
            print_lines([publish_bundle(storage, fresh, folder, dry_run, force).replace(str(fresh), str(bundle))])
        return
    buildfolder.claim(build_dir, plugins_dir)
    write_atomic(bundle, data)
    print(f"{bundle} {state}: regenerated ({_bundle_summary(vendors)})")
    print_lines([publish_bundle(storage, bundle, folder, dry_run, force)])


@task(
    iterable=["selector"],
    help={
        "plugins-dir": PLUGINS_HELP,
        "strict": "fail on warnings too (silenced ones excepted)",
        "firmware-dir": "folder holding the firmware files pkgs.db describes (default: "
                        "<plugins-dir>/_firmwares/<vendor>/ of each build plugin)",
        "jobs": JOBS_HELP,
        "provd": "also load each plugin in the real provd (entry.py executed, pkgs.db parsed); needs provd",
        "selector": SELECTOR_HELP,
        "against": AGAINST_HELP,
    },
)
@reports_errors
def validate(c, plugins_dir=None, strict=False, firmware_dir=None, jobs=0, provd=False, selector=None, against=None):
    """Check plugins (built into a scratch folder) for anything provd would refuse or choke on."""
    plugins_dir = _config(c).plugins(plugins_dir)
    if not engine.build_plugin_folders(plugins_dir):
        print(f"no build plugins in {plugins_dir}/ (a build plugin is a folder with a build.py): nothing to check")
        return
    if provd:
        require_provd()
    compare = configured_address(against, _config(c).settings) is not None
    result = engine.check(plugins_dir, selector or (), jobs=jobs or None, firmware_dir=firmware_dir,
                          silencing=_silencing(c), provd=provd, package=compare)
    if compare:
        where = {package.filename: build_file for package, build_file in result.packages}
        result.findings = ordered(result.findings + _published(
            c, against, Index.from_packages(package for package, _ in result.packages),
            lambda entry: where[entry["filename"]]))
    for finding in result.findings:
        print(finding)
    lines, failed = summary(result.checked, result.findings, result.silenced, strict)
    print("\n".join(lines))
    if failed:
        raise Exit(code=1)


def _published(c, against: str | None, built: Index, where) -> list:
    """The version-published findings of ``built`` against --against, else the configured repository."""
    config = _config(c)
    return published_findings(configured_address(against, config.settings), bool(against),
                              lambda address: open_repository(address, config.settings, config.channels),
                              built, where, lambda line: print(line, file=sys.stderr))


def _silencing(c) -> Silencing:
    """The warnings the project configuration silences (provd.validation)."""
    return Silencing.from_config(c.config.get("provd"))


@task(
    positional=["vendor"],
    iterable=["models"],
    help={
        "vendor": "the phones' maker as it should read in capabilities, e.g. Acme (letters and digits)",
        "plugins-dir": "folder of build plugins (default: provd.plugins_dir, else plugins); "
                       "the plugin goes in <plugins-dir>/xivo_<vendor>/",
        "version": f"firmware version of the first target (default: {DEFAULT_VERSION})",
        "models": "a phone model (repeatable; bare words after the vendor work too)",
    },
)
@reports_errors
def new_plugin(c, vendor, plugins_dir=None, version=DEFAULT_VERSION, models=None):
    """Scaffold a build plugin for VENDOR's MODELS, its test included; it builds, validates and tests as created."""
    folders = _config(c).plugins(plugins_dir)
    plugin = plan_plugin(vendor, version, models or ())
    folder = create(folders, plugin)
    # The configuration gives the other tasks the same folder; an option has to be repeated.
    option = f" --plugins-dir {shlex.quote(str(plugins_dir))}" if plugins_dir else ""
    print(f"created {folder}/ ({plugin.plugin_id}: {', '.join(plugin.models)}) and its test {folder / TEST_FILE}")
    print(f"next: fill in the places marked EDIT ME, then `inv validate --strict{option} {plugin.name}` "
          f"and `inv test{option} {plugin.name}`")


@task(
    iterable=["selector"],
    help={
        "plugins-dir": PLUGINS_HELP,
        "jobs": "plugins tested at a time (default: number of CPUs)",
        "verbose": "print pytest's verbose output (one line per test) for every plugin, not only the failing ones",
        "selector": SELECTOR_HELP,
    },
)
@reports_errors
def test(c, plugins_dir=None, jobs=0, verbose=False, selector=None):
    """Run the pytest tests inside the build plugins (<plugin>/common/tests/, ...), with the real provd."""
    from repo.validation import plugintests

    plugins_dir = _config(c).plugins(plugins_dir)
    if not engine.build_plugin_folders(plugins_dir):
        print(f"no build plugins in {plugins_dir}/ (a build plugin is a folder with a build.py): nothing to test")
        return
    plugins, load_errors = engine.load_tree(plugins_dir)
    selectors = selector or ()
    selection = plugintests.select(plugins, engine.select_targets(plugins, selectors) if selectors else None)
    runs = plugintests.run_all(plugins_dir, selection, jobs or None, verbose,
                               lambda run: print(run.report(verbose), flush=True))
    print("\n".join(plugintests.closing(runs)))
    broken = engine.selected_load_errors(plugins, load_errors, selectors)
    for error in broken:
        print(f"error: {error}", file=sys.stderr)
    if broken or not all(run.passed for run in runs):
        raise Exit(code=1)




def _config(c) -> ProjectConfig:
    return project_config(c.config)


def _repository(c, repo, channels: bool = True):
    """The repository a task publishes to or reads from, seen through channel names (unless ``channels``)."""
    config = _config(c)
    address = repository_address(repo, config.settings, DEFAULT_REPO)
    return open_repository(address, config.settings, config.channels if channels else None)


def _run(plan: publish.Plan, dry_run: bool, verbose: bool = False) -> publish.Outcome | None:
    if dry_run or verbose:
        print_lines(plan.lines(verbose))
    if dry_run:
        print("dry run: nothing changed")
    refusal = plan.refusal()
    if refusal is not None:
        if not dry_run and not verbose:
            print_lines([f"  {'conflict':<8} {conflict.line()}" for conflict in plan.conflicts])
        raise refusal
    if dry_run:
        return None
    outcome = publish.apply(plan)
    print(printable(outcome.summary(plan.channel)))
    return outcome


@task(help={"repo": REPO_HELP, "build-dir": BUILD_HELP,
            "plugins-dir": "the plugins folder the build folder must have been built from (built first when "
                           "there is no index; default: provd.plugins_dir, else plugins)",
            "dry-run": DRY_RUN_HELP, "force": FORCE_HELP, "verbose": VERBOSE_HELP})
@reports_errors
def upload(c, repo=None, build_dir=None, plugins_dir=None, dry_run=False, force=False, verbose=False):
    """Publish the packages of <build-dir>/dev/plugins.db to the dev channel (building first if needed)."""
    config = _config(c)
    build_dir, plugins_dir = config.build(build_dir), config.plugins(plugins_dir)
    storage = _repository(c, repo)
    packages_dir = build_dir / "dev"
    if not (packages_dir / INDEX_NAME).exists():
        if dry_run:
            print(f"no {packages_dir / INDEX_NAME} yet: would build {plugins_dir}/ into {build_dir}/, "
                  "then upload its packages")
            return
        print(f"no {packages_dir / INDEX_NAME} yet: building {plugins_dir}/ into {build_dir}/ first")
        build(c, plugins_dir=str(plugins_dir), build_dir=str(build_dir))
    buildfolder.check_built_from(build_dir, plugins_dir)
    _run(publish.plan_upload(storage, packages_dir, force), dry_run, verbose)


@task(iterable=["plugin_id"],
      help={"repo": REPO_HELP, "from": "source channel (default: dev)", "to": "destination channel (default: stable)",
            "plugin-id": "plugin id or glob such as 'wazo-yealink-*' (repeatable; bare words after the task work "
                         "too)",
            "all": "every plugin id of the source channel",
            "changed": "every plugin id `inv diff FROM TO` shows as new or upgraded",
            "dry-run": DRY_RUN_HELP, "force": FORCE_HELP, "verbose": VERBOSE_HELP})
@reports_errors
def promote(c, plugin_id=None, repo=None, from_="dev", to="stable", all_=False, changed=False, dry_run=False,
            force=False, verbose=False):
    """Copy the packages indexed in one channel for the given ids (or globs) into another, and index them there."""
    storage = _repository(c, repo)
    plugin_ids, read = selection.select_promoted(storage, from_, to, plugin_id or [], all_, changed)
    if not plugin_ids:
        print(f"nothing to promote: no plugin id of {from_} is new or newer than in {to}")
        return
    _run(publish.plan_promote(storage, from_, to, plugin_ids, force, read), dry_run, verbose)


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
      help={"repo": REPO_HELP, "build-dir": f"{BUILD_HELP}; the mirror is <build-dir>/stable",
            "dry-run": DRY_RUN_HELP, "verbose": VERBOSE_HELP})
@reports_errors
def download_stable(c, repo=None, build_dir=None, dry_run=False, verbose=False):
    """Mirror the stable channel into <build-dir>/stable, verifying every package."""
    storage = _repository(c, repo)
    build_dir = _config(c).build(build_dir)
    stable_dir = build_dir / stablesync.STABLE
    mirror = stablesync.plan_download(storage, stable_dir)  # a broken index stops here, before anything is written
    if dry_run or verbose:
        print_lines(mirror.lines(storage, stable_dir, verbose))
    if dry_run:
        print("dry run: nothing changed")
        return
    buildfolder.claim(build_dir)
    stablesync.download_stable(storage, stable_dir, mirror=mirror)
    print(printable(mirror.summary(stable_dir)))


@task(name="upload-stable",
      help={"repo": REPO_HELP, "build-dir": f"{BUILD_HELP}; publishes <build-dir>/stable",
            "dry-run": DRY_RUN_HELP, "force": FORCE_HELP, "verbose": VERBOSE_HELP})
@reports_errors
def upload_stable(c, repo=None, build_dir=None, dry_run=False, force=False, verbose=False):
    """Make the stable channel exactly the packages of <build-dir>/stable (after download-stable)."""
    storage = _repository(c, repo)
    stable_dir = _config(c).build(build_dir) / stablesync.STABLE
    outcome = _run(stablesync.plan_upload_stable(storage, stable_dir, force), dry_run, verbose)
    if outcome is not None:
        stablesync.record_upload(storage, stable_dir, outcome.index)


@task(name="list",
      help={"repo": REPO_HELP, "channel": "channel to list: dev, stable or archive (default: stable)",
            "model": "only plugins with a phone model whose vendor or model contains this text (any case)",
            "json": "print a JSON document for scripts instead of the table"})
@reports_errors
def list_(c, repo=None, channel="stable", model=None, json=False):
    """List a channel's plugins: id, version, phone models, description."""
    from repo.catalog import listing  # rich is slow to import: only when needed

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
        listing.show(listed)


@task(positional=["from_", "to"], iterable=["plugin_id"],
      help={"repo": REPO_HELP, "from": "the channel whose plugins would be promoted (e.g. dev)",
            "to": "the channel they would be promoted into (e.g. stable)",
            "plugin-id": "only this plugin id or glob such as 'wazo-yealink-*' (repeatable; bare words after "
                         "FROM TO work too)",
            "summary": "print only the counts (the first line)",
            "verbose": "list the models of new plugin ids too (default: their count)",
            "json": "print a JSON document for scripts instead of the text"})
@reports_errors
def diff(c, from_, to, repo=None, plugin_id=None, summary=False, verbose=False, json=False):
    """What promoting FROM into TO would change, per plugin id: new, upgraded, models, descriptions."""
    if summary and json:
        raise ToolchainError("--summary prints the counts line of the text; the JSON lists every plugin id "
                             "(use one or the other)")
    storage = _repository(c, repo)
    source, target = read_index(storage, check_channel(from_)), read_index(storage, check_channel(to))
    if source.data is None and target.data is None:
        raise ToolchainError(f"nothing published to the {from_} or the {to} channel yet (no {INDEX_NAME})",
                             storage.url())
    difference = diff_indexes(source.index, target.index, from_, to)
    if plugin_id:
        difference = difference.only(selection.matching_ids(difference.plugin_ids(), plugin_id,
                                                            f"the {from_} or {to} channel", storage.url()))
    if json:
        print(difference.to_json())
    else:
        print_lines(difference.lines(verbose)[:1] if summary else difference.lines(verbose))


@task(help={"repo": REPO_HELP, "channel": "check only this channel (default: dev, stable and archive)",
            "quiet": "print only the problems and the summary, not the unindexed files and claims"})
@reports_errors
def check(c, repo=None, channel=None, quiet=False):
    """Check a repository: every index entry's package is there with its size and SHA-1, and is that package."""
    from repo.publish.check import check_repository

    storage = _repository(c, repo)
    channels = (check_channel(channel),) if channel else CHANNELS
    report = check_repository(storage, channels)
    print_lines(report.problems + ([] if quiet else report.notes))
    verdict = "ok" if report.ok else "FAILED"
    print_lines([f"{storage.url()}: {plural(len(channels), 'channel')}, {plural(report.packages, 'package')} "
                 f"checked: {plural(len(report.problems), 'problem')}: {verdict}"])
    if not report.ok:
        raise Exit(code=1)


@task(help={"repo": REPO_HELP, "channel": "tidy only this channel: dev or stable (default: both)",
            "dry-run": DRY_RUN_HELP})
@reports_errors
def tidy(c, repo=None, channel=None, dry_run=False):
    """Move the packages a channel holds but its index does not name (orphans) to the archive channel."""
    from repo.publish import tidy as tidying

    storage = _repository(c, repo)
    channels = (channel,) if channel else tidying.TIDIED
    plans = [tidying.plan_tidy(storage, name) for name in channels]
    if not any(plan.indexed or plan.orphans for plan in plans):  # a mistyped --repo: not "all tidy"
        raise ToolchainError(f"nothing published to the {' or the '.join(channels)} channel yet (no {INDEX_NAME})",
                             storage.url())
    for plan in plans:
        print_lines(plan.lines())
    if dry_run:
        print("dry run: nothing changed")
        return
    moved = sum(len(tidying.tidy(plan)) for plan in plans)
    left = sum(len(plan.left) for plan in plans)
    print(f"{plural(moved, 'package')} moved to the archive channel"
          + (f"; {plural(left, 'file')} left in place (named above)" if left else ""))
    if left:  # an orphan still there needs someone to look at it
        raise Exit(code=1)


@task(help={"repo": "local repository folder or file:// URL (default: as for upload)",
            "port": "TCP port (default: 8667; 0 picks a free one)",
            "bind": "address to listen on (default: 127.0.0.1)"})
@reports_errors
def serve(c, repo=None, port=8667, bind="127.0.0.1"):
    """Serve a local repository over HTTP; use http://HOST:PORT/<channel>/ as provd's plugin server URL."""
    from repo.publish.serve import make_server
    from repo.publish.storage.local import LocalStorage

    storage, channels = _repository(c, repo, channels=False), _config(c).channels
    if not isinstance(storage, LocalStorage):
        raise ToolchainError(f"{storage.url()}: inv serve serves a local folder; "
                             "an S3 bucket is served over HTTP by S3 (or its CDN) itself")
    server = make_server(storage.root, bind, int(port), channels.published())
    host, actual_port = server.server_address[:2]
    print(f"serving {storage.root} at http://{host}:{actual_port}/ "
          f"(plugin server URL: http://{host}:{actual_port}/{channels.folder('stable')}/); Ctrl-C stops", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@task(help={"build-dir": BUILD_HELP})
@reports_errors
def clean(c, build_dir=None):
    """Delete the build folder (only a folder `inv build` made: it holds .provd-build.json)."""
    config = _config(c)
    build_dir = config.build(build_dir)
    keep = [Path.cwd(), Path.home(), PROJECT_ROOT, config.plugins(None)]
    print(f"deleted {build_dir}/" if buildfolder.remove(build_dir, keep) else f"nothing to clean: no {build_dir}/")


FIRMWARE_HELP = {"repo": REPO_HELP, "plugins-dir": f"{PLUGINS_HELP}; the files are in <plugins-dir>/_firmwares/",
                 "dry-run": DRY_RUN_HELP}


@task(name="upload-firmwares", help=FIRMWARE_HELP)
@reports_errors
def upload_firmwares(c, repo=None, plugins_dir=None, dry_run=False):
    """Publish <plugins-dir>/_firmwares/<vendor>/* to <repo>/firmwares/<vendor>/, each checked against pkgs.db."""
    storage, plugins_dir = _repository(c, repo), _config(c).plugins(plugins_dir)
    plan = firmwares.plan_upload(storage, plugins_dir)
    _print_mirror_plan(plan, storage, dry_run)
    if not dry_run:
        sent = firmwares.upload(storage, plan)
        print(f"{sent} firmware file(s) sent, {len(plan.keep)} already there")


@task(name="download-firmwares", help=FIRMWARE_HELP)
@reports_errors
def download_firmwares(c, repo=None, plugins_dir=None, dry_run=False):
    """Fetch <repo>/firmwares/<vendor>/* into <plugins-dir>/_firmwares/<vendor>/, each checked against pkgs.db."""
    storage, plugins_dir = _repository(c, repo), _config(c).plugins(plugins_dir)
    vendors = firmwares.vendors_of(plugins_dir, [p.name for p in engine.build_plugin_folders(plugins_dir)])
    plan = firmwares.plan_download(storage, plugins_dir, vendors)
    _print_mirror_plan(plan, storage, dry_run)
    if not dry_run:
        fetched = firmwares.download(storage, plan)
        print(f"{fetched} firmware file(s) downloaded, {len(plan.keep)} already there")


def _print_mirror_plan(plan: firmwares.MirrorPlan, storage, dry_run: bool) -> None:
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for problem in plan.errors:
        print(f"error: {problem}", file=sys.stderr)
    plan.check()
    if dry_run:
        print("\n".join(plan.lines(storage)))
        print("dry run: nothing changed")


show_values_of_repeatable_options()
install_trailing_words(
    {"build": (build, "selector"), "validate": (validate, "selector"), "new-plugin": (new_plugin, "models"),
     "promote": (promote, "plugin_id"), "remove": (remove, "plugin_id"), "test": (test, "selector"),
     "diff": (diff, "plugin_id")},
    globals())
