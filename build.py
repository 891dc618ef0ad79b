#!/usr/bin/env python3
"""The build engine: plugin build files -> built trees -> packages -> plugins.db.

A build plugin is a folder of the plugins folder holding a ``build.py`` whose
functions are registered with an injected ``target(target_id, pg_id, std_dirs=True)``
decorator. Each target fills an empty folder that becomes the plugin ``pg_id``.

Also the classic command (``build.py -B|-P|-D --source S --destination D``) so that
Makefiles written for the upstream tool keep working.

Validation (Jinja2 and every rule) and the worker pool are imported where they are
used: a build with nothing to do, or ``inv --list``, does not pay for them.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from repo.build import buildfolder
from repo.build.buildcache import (
    BuildCache,
    Failure,
    checks_fingerprint,
    files_state,
    from_the_machine,
    tree_digest,
)
from repo.build.commands import builtin_commands
from repo.build.packaging import packed, source_date_epoch
from repo.build.selectors import folder_matches, folder_name, matching_targets
from repo.errors import ToolchainError
from repo.fileutil import has_bytes, sha1_file, write_atomic
from repo.package import verdicts
from repo.package.archive import PackageInfo
from repo.package.checks import inspect_package
from repo.package.index import INDEX_NAME, Index
from repo.package.pluginid import plugin_id_problem
from repo.ui.progress import Progress
from repo.validation.findings import Finding, errors, first_error, from_error, ordered
from repo.validation.firmware import vendor_folder
from repo.validation.silencing import Silencing
from repo.validation.sources import locate, shown

if TYPE_CHECKING:
    from repo.build.scheduler import Job

BUILD_FILE = "build.py"
# What a build file may raise and be reported for; sys.exit() in one ends nothing but itself.
_BUILD_FILE_ERRORS = (Exception, SystemExit)
STD_DIRS = ("var/cache", "var/installed", "var/templates", "var/tftpboot")


@dataclass(frozen=True)
class Target:
    plugin: str
    target_id: str
    pg_id: str
    std_dirs: bool
    function: Callable[[str], None] = field(compare=False, repr=False)
    build_file: Path = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.plugin}:{self.target_id}"


@dataclass
class BuildPlugin:
    name: str
    folder: Path
    targets: dict[str, Target]


# --- loading build files ----------------------------------------------------------------

def load_build_plugin(folder: Path) -> BuildPlugin:
    """Execute ``folder/build.py`` with ``target`` injected and return its targets."""
    folder = Path(folder).resolve()
    build_file = folder / BUILD_FILE
    targets: dict[str, Target] = {}

    def target(target_id: str, pg_id: str, std_dirs: bool = True):
        # The plugin id names the folder a target is built into: refuse one leading elsewhere
        # before anything touches the disk.
        problem = plugin_id_problem(str(pg_id))
        if problem:
            raise ToolchainError(f"target {target_id!r}: {problem}", build_file, _calling_line(build_file))

        def register(function: Callable[[str], None]):
            if target_id in targets:
                line = getattr(getattr(function, "__code__", None), "co_firstlineno", None)
                raise ToolchainError(f"target {target_id!r} is defined twice", build_file, line)
            targets[target_id] = Target(folder.name, str(target_id), str(pg_id), bool(std_dirs),
                                        function, build_file)
            return function
        return register

    try:
        source = build_file.read_bytes()
        code = compile(source, str(build_file), "exec")
    except OSError as exc:
        raise ToolchainError(f"cannot read build file: {exc.strerror}", build_file) from None
    except SyntaxError as exc:
        raise ToolchainError(f"syntax error: {exc.msg}", build_file, exc.lineno) from None
    namespace = {"__name__": f"build_plugin_{folder.name}", "__file__": str(build_file), "target": target}
    with builtin_commands(), _working_directory(folder):
        try:
            exec(code, namespace)
        except _BUILD_FILE_ERRORS as exc:
            raise _at_build_file_line(exc, build_file) from None
    return BuildPlugin(folder.name, folder, targets)


def build_plugin_folders(plugins_dir: Path) -> list[Path]:
    """The build plugins of ``plugins_dir``: its folders holding a build.py, sorted."""
    plugins_dir = Path(plugins_dir)
    if not plugins_dir.is_dir():
        raise ToolchainError("plugins folder not found", plugins_dir)
    return sorted(p for p in plugins_dir.iterdir() if (p / BUILD_FILE).is_file())


def load_tree(plugins_dir: Path) -> tuple[list[BuildPlugin], list[ToolchainError]]:
    """Load every build plugin under ``plugins_dir``; return them and the load errors.

    A plugin id produced by two targets is an error for both build plugins involved,
    and neither keeps that target.
    """
    plugins, errors = [], []
    for folder in build_plugin_folders(plugins_dir):
        try:
            plugins.append(load_build_plugin(folder))
            _LOADED[str(plugins[-1].folder)] = plugins[-1]
        except ToolchainError as exc:
            errors.append(exc)
    producers: dict[str, list[Target]] = {}
    for plugin in plugins:
        for target in plugin.targets.values():
            producers.setdefault(target.pg_id, []).append(target)
    for pg_id, targets in producers.items():
        if len(targets) > 1:
            names = ", ".join(f"{t.label} ({t.build_file})" for t in targets)
            for target in targets:
                errors.append(DuplicatePluginId(f"plugin id {pg_id!r} is produced by several targets: {names}",
                                                target.build_file))
                del _plugin_named(plugins, target.plugin).targets[target.target_id]
    return plugins, errors


class DuplicatePluginId(ToolchainError):
    """One plugin id produced by targets of several build plugins (both still load)."""


def unloadable(load_errors: Iterable[ToolchainError]) -> set[str]:
    """Names of the build plugins whose build file failed to load."""
    return {Path(e.path).parent.name for e in load_errors if e.path and not isinstance(e, DuplicatePluginId)}


def _plugin_named(plugins: list[BuildPlugin], name: str) -> BuildPlugin:
    return next(p for p in plugins if p.name == name)


def select_targets(plugins: list[BuildPlugin], selectors: Sequence[str], broken: Iterable[str] = ()) -> list[Target]:
    """Targets matching the selectors: a build plugin name (``-`` or ``_`` alike), ``plugin:target``,
    a plugin id, or a glob of plugin ids or build plugin names (repo/build/selectors.py).

    A selector naming one of the ``broken`` build plugins (whose build file failed to load)
    selects nothing: the load error is what the caller reports.
    """
    by_name = {folder_name(p.name): p for p in plugins}
    if not selectors:
        return [t for p in plugins for t in p.targets.values()]
    broken = {folder_name(name) for name in broken}
    chosen: dict[str, Target] = {}
    for selector in selectors:
        name, _, target_id = selector.partition(":")
        plugin = by_name.get(folder_name(name))
        if plugin is None and folder_name(name) in broken:
            continue
        if plugin is None:
            targets = matching_targets(plugins, selector, broken)
        elif target_id:
            if target_id not in plugin.targets:
                known = ", ".join(plugin.targets) or "none"
                raise ToolchainError(f"build plugin {plugin.name!r} has no target {target_id!r} (known: {known})")
            targets = [plugin.targets[target_id]]
        else:
            targets = list(plugin.targets.values())
        for target in targets:
            chosen[target.pg_id] = target
    return list(chosen.values())


def selected_plugin_names(plugins: list[BuildPlugin], selectors: Sequence[str]) -> set[str] | None:
    """Names (or globs of names) of the build plugins a selection touches (None: all of them)."""
    if not selectors:
        return None
    by_id = {t.pg_id: p.name for p in plugins for t in p.targets.values()}
    return {by_id.get(s, s.partition(":")[0]) for s in selectors}


def selected_load_errors(plugins: list[BuildPlugin], load_errors: list[ToolchainError],
                         selectors: Sequence[str]) -> list[ToolchainError]:
    """The load errors of the build plugins a selection touches."""
    wanted = selected_plugin_names(plugins, selectors)
    return [e for e in load_errors
            if wanted is None or any(folder_matches(Path(e.path).parent.name, name) for name in wanted)]


# --- running a target --------------------------------------------------------------------

def run_target(target: Target, tree: Path) -> None:
    """Run one target into an emptied ``tree`` from its build plugin folder, then add std dirs."""
    if tree.exists() or tree.is_symlink():
        shutil.rmtree(tree) if tree.is_dir() and not tree.is_symlink() else tree.unlink()
    tree.mkdir(parents=True)
    with builtin_commands(), _working_directory(target.build_file.parent):
        try:
            target.function(str(tree))
        except _BUILD_FILE_ERRORS as exc:
            raise _at_build_file_line(exc, target.build_file) from exc
    if target.std_dirs:
        for std_dir in STD_DIRS:
            (tree / std_dir).mkdir(parents=True, exist_ok=True)


def check_built_target(target: Target, tree: Path, built: Path, firmware_dir: Path | None = None,
                       provd: bool = False) -> list[Finding]:
    """Validate the tree ``target`` just built; findings name the source files it came from.

    Files with no source (generated by the build file) are named as ``built/<path>``.
    Firmware files are looked up in ``firmware_dir``, by default the vendor folder of
    ``<plugins>/_firmwares/``. ``provd``: the real provd's verdict too (it must be installed).
    """
    from repo.validation.builtplugin import validate_built_tree
    from repo.validation.provdcompat import provd_findings

    if firmware_dir is None:
        firmware_dir = vendor_folder(target.build_file.parent.parent, target.plugin)
    findings = validate_built_tree(tree, target.pg_id, firmware_dir)
    if provd:
        findings += provd_findings(tree)
    return locate(findings, tree, target.build_file.parent, target.target_id, built)


def package_tree(tree: Path, pg_id: str, packages_dir: Path, mtime: int) -> PackageInfo:
    """Package a validated built tree, its members judged by the archive rules as they are written."""
    package = packed(tree, pg_id, packages_dir, mtime)
    return PackageInfo(pg_id, package.info, package.path.name, package.size, package.sha1sum)


@contextlib.contextmanager
def _working_directory(folder: Path):
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def _at_build_file_line(exc: Exception, build_file: Path) -> ToolchainError:
    """A failure while a build file runs, as an error at the build file line of the failing call.

    A ToolchainError raised below that line (the in-process rsync, say) keeps its message;
    the file it named, if any, moves into the message.
    """
    if isinstance(exc, ToolchainError):
        if exc.path == str(build_file):
            return exc  # already located (e.g. a target id defined twice)
        message = exc.message if exc.path is None else str(exc)
    else:
        message = _describe(exc)
    return ToolchainError(message, build_file, _line_in(exc, build_file))


def _one_line(exc: ToolchainError) -> str:
    """``path:line: message``, the path as the user reads it (as ``inv validate`` shows it)."""
    return str(ToolchainError(exc.message, shown(Path(exc.path)), exc.line) if exc.path else exc)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        command = exc.cmd if isinstance(exc.cmd, str) else " ".join(map(str, exc.cmd))
        return f"command `{command}` exited with status {exc.returncode}"
    return f"{type(exc).__name__}: {exc}"


def _calling_line(build_file: Path) -> int | None:
    """The line of ``build_file`` that is running now (innermost)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != str(build_file):
        frame = frame.f_back
    return frame.f_lineno if frame is not None else None


def _line_in(exc: BaseException, build_file: Path) -> int | None:
    """The innermost line of ``build_file`` in the exception's traceback."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == str(build_file):
            line = lineno
    return line


# --- the whole build ---------------------------------------------------------------------

@dataclass
class BuildResult:
    built: list[Target] = field(default_factory=list)
    cached: list[Target] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    index_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class _Outcome:
    pg_id: str
    package: PackageInfo | None = None
    error: str | None = None
    detail: str | None = None
    findings: tuple[Finding, ...] = ()
    silenced: tuple[Finding, ...] = ()  # warnings the project configuration silences
    from_the_machine: bool = False  # a failure the sources did not decide (see buildcache.from_the_machine)


# Build plugins already loaded in this process, by folder: forked workers inherit them.
_LOADED: dict[str, BuildPlugin] = {}


def _loaded_target(folder: str, target_id: str) -> Target:
    if folder not in _LOADED:
        _LOADED[folder] = load_build_plugin(Path(folder))
    return _LOADED[folder].targets[target_id]


def _build_and_package(folder: str, target_id: str, build_dir: Path, mtime: int, silencing: Silencing) -> _Outcome:
    target = _loaded_target(folder, target_id)
    pg_id = target.pg_id
    tree = build_dir / "plugins" / pg_id
    try:
        run_target(target, tree)
        findings = tuple(ordered(_split_silenced(check_built_target(target, tree, tree), target, silencing)[0]))
        failure = first_error(findings)
        if failure:  # validation failed: the plugin is not packaged
            return _Outcome(pg_id, error=failure, detail="\n".join(map(str, errors(findings))), findings=findings)
        return _Outcome(pg_id, package=package_tree(tree, pg_id, build_dir / "dev", mtime), findings=findings)
    except Exception as exc:  # reported per target; the other targets go on
        return _Outcome(pg_id, error=_one_line(exc) if isinstance(exc, ToolchainError) else _describe(exc),
                        detail=traceback.format_exc(), from_the_machine=from_the_machine(exc))


def build(plugins_dir: Path, build_dir: Path, selectors: Sequence[str] = (), jobs: int | None = None,
          verbose: bool = False, stream=None, silencing: Silencing = Silencing()) -> BuildResult:
    """Build, package and index the selected targets into ``build_dir`` (``plugins/``, ``dev/``).

    Warnings are printed once each (a shared file seen by several targets once), except
    those ``silencing`` silences. Building everything (no selector) makes the build folder
    follow the tree: the built trees and packages of plugin ids no target produces any
    more are deleted.
    """
    plugins_dir, build_dir = Path(plugins_dir).resolve(), Path(build_dir).resolve()
    plugins, load_errors = load_tree(plugins_dir)
    buildfolder.claim(build_dir, plugins_dir)
    result = BuildResult()
    result.failures += [_one_line(e) for e in selected_load_errors(plugins, load_errors, selectors)]
    targets = select_targets(plugins, selectors, unloadable(load_errors))
    dev_dir = build_dir / "dev"
    dev_dir.mkdir(parents=True, exist_ok=True)
    cache = BuildCache(build_dir)
    mtime = source_date_epoch()
    fingerprint = checks_fingerprint()
    inputs = {p.name: _inputs_digest(p) for p in plugins if any(t in targets for t in p.targets.values())}

    keys, outcomes, to_build, failed_before = {}, {}, [], []
    for target in targets:
        keys[target.pg_id] = _target_key(target, inputs[target.plugin], fingerprint, mtime)
        made = cache.lookup(target.pg_id, keys[target.pg_id])
        if isinstance(made, Failure):  # nothing changed since it failed: it fails the same way
            outcomes[target.pg_id] = _Outcome(target.pg_id, error=made.message, detail=made.detail)
            result.failures.append(f"{target.label} ({target.pg_id}): {made.message}")
            failed_before.append((target, made))
        elif made is not None and _still_there(made, dev_dir, build_dir / "plugins" / target.pg_id):
            outcomes[target.pg_id] = _Outcome(target.pg_id, package=made)
            result.cached.append(target)
        else:
            to_build.append(target)

    by_id = {t.pg_id: t for t in targets}
    printed: set[Finding] = set()
    with _running(to_build, _build_and_package, (build_dir, mtime, silencing), jobs) as outcomes_built, \
            Progress(len(to_build), stream) as progress:
        for target, failure in failed_before:
            progress.note(f"unchanged since it failed, not run again: {target.pg_id} ({target.label})")
            if verbose:
                progress.note(failure.detail)
        for outcome in outcomes_built:
            outcomes[outcome.pg_id] = outcome
            target = by_id[outcome.pg_id]
            for finding in outcome.findings:
                if not finding.is_error and finding not in printed:  # errors are in the failure line
                    printed.add(finding)
                    progress.note(str(finding))
            if outcome.error:
                progress.done("FAILED", f"{target.pg_id} ({target.label})")
                result.failures.append(f"{target.label} ({target.pg_id}): {outcome.error}")
                if verbose:
                    progress.note(outcome.detail)
                if outcome.from_the_machine:
                    cache.forget(target.pg_id)
                else:
                    cache.store(target.pg_id, keys[target.pg_id], Failure(outcome.error, outcome.detail))
            else:
                progress.done("built", f"{outcome.package.filename} ({target.label})")
                cache.store(target.pg_id, keys[target.pg_id], outcome.package)
                result.built.append(target)
        from repo.validation.dhcpclasses import check_dhcp

        dhcp_findings = check_dhcp(plugins_dir, _built_trees(plugins, targets, outcomes, build_dir / "plugins"),
                                   not selectors)
        for finding in _split_by_plugin(dhcp_findings, silencing, plugins_dir)[0]:
            if finding.is_error:
                result.failures.append(str(finding))
            else:
                progress.note(str(finding))

    if not selectors:
        _forget_removed(build_dir, set(outcomes), cache)
    index, live = _assemble_index(dev_dir, outcomes, cache, result, None if selectors else set(outcomes))
    cache.save(live)
    # Packed from a tree validated just now: the checks of an upload have nothing to add. (Not the packages
    # reused by their cache record: the build folder may come from elsewhere, its records with it.)
    verdicts.record([outcomes[target.pg_id].package for target in result.built])
    result.index_path = dev_dir / INDEX_NAME
    data = index.to_bytes()
    if not result.index_path.exists() or result.index_path.read_bytes() != data:
        write_atomic(result.index_path, data)
    return result


def _built_trees(plugins: list[BuildPlugin], targets: list[Target], outcomes: dict[str, _Outcome],
                 trees_dir: Path) -> dict[Path, list[Path]]:
    """Per build plugin with selected targets, the trees its targets built (failed ones left out)."""
    chosen = {t.pg_id for t in targets if not outcomes[t.pg_id].error}
    return {p.folder: [trees_dir / t.pg_id for t in p.targets.values() if t.pg_id in chosen]
            for p in plugins if any(t.pg_id in chosen for t in p.targets.values())}


def _inputs_digest(plugin: BuildPlugin) -> str:
    """What a build plugin's targets read: its folder (not the DHCP data, never packaged: editing it
    rebuilds nothing), and the firmware folder validation compares with."""
    from repo.dhcp.data import DATA_FILE as DHCP_DATA_FILE

    return (tree_digest(plugin.folder, exclude={DHCP_DATA_FILE}) + "+"
            + files_state(vendor_folder(plugin.folder.parent, plugin.name)))


def _target_key(target: Target, inputs_digest: str, fingerprint: str, mtime: int) -> str:
    return "|".join([fingerprint, inputs_digest, target.target_id, target.pg_id, str(target.std_dirs), str(mtime)])


def _still_there(package: PackageInfo, dev_dir: Path, tree: Path) -> bool:
    path = dev_dir / package.filename
    return (tree / "plugin-info").is_file() and has_bytes(path, package.dsize, package.sha1sum)


def _running(targets: list[Target], work: Callable[..., _Outcome], args: tuple, jobs: int | None):
    """Start ``work(folder, target_id, *args)`` for each target (see repo.build.scheduler); a context manager.

    A build plugin's targets go to one worker, the largest build plugin folders first.
    """
    if not targets:  # nothing changed: no pool to import or start
        return contextlib.nullcontext(iter(()))
    import jinja2  # noqa: F401 (every worker needs them: imported once, before they fork)

    import repo.validation.builtplugin  # noqa: F401
    from repo.build.scheduler import Job, folder_size, running

    sizes = {folder: folder_size(folder) for folder in {t.build_file.parent for t in targets}}
    return running([Job(str(t.build_file.parent), sizes[t.build_file.parent], (str(t.build_file.parent), t.target_id))
                    for t in targets], work, args, jobs or os.cpu_count() or 1, _not_done)


def _not_done(job: Job, why: str) -> _Outcome:
    """The outcome of a target whose worker process died, or that no worker was left to run: a failure, from
    the machine (not cached)."""
    target = _loaded_target(*job.call)
    failure = ToolchainError(why, shown(target.build_file))
    finding = from_error(failure, f"target {target.label} ({target.pg_id}) failed: ", code="target-failed")
    return _Outcome(target.pg_id, error=str(failure), detail=str(failure), findings=(finding,), from_the_machine=True)


def _forget_removed(build_dir: Path, plugin_ids: set[str], cache: BuildCache) -> None:
    """Delete the built trees (and cache records) of plugin ids that are not in ``plugin_ids``."""
    trees = build_dir / "plugins"
    for tree in sorted(trees.iterdir()) if trees.is_dir() else ():
        if tree.name in plugin_ids:
            continue
        if tree.is_dir() and not tree.is_symlink():
            shutil.rmtree(tree)
        else:
            tree.unlink()
    for plugin_id in cache.plugin_ids() - plugin_ids:
        cache.forget(plugin_id)


def _assemble_index(dev_dir: Path, outcomes: dict[str, _Outcome], cache: BuildCache,
                    result: BuildResult, plugin_ids: set[str] | None) -> tuple[Index, set[str]]:
    """Index the packages in ``dev_dir``: drop failed targets' and superseded ones, refuse broken files.

    With ``plugin_ids`` (a build of everything), packages of any other plugin id are dropped too.
    """
    current = {pg_id: o.package.filename for pg_id, o in outcomes.items() if o.package}
    failed = {pg_id for pg_id, o in outcomes.items() if o.error}
    # This run's packages were hashed already (just written, or checked by _still_there).
    hashed = {o.package.filename: o.package.sha1sum for o in outcomes.values() if o.package}
    packages, live = [], set()
    for path in sorted(dev_dir.glob("*.tar.bz2")):
        sha1sum = hashed.get(path.name) or sha1_file(path)
        package = cache.package(sha1sum)
        if package is None or package.filename != path.name:
            try:
                package = inspect_package(path)
            except ToolchainError as exc:
                result.failures.append(str(exc))
                continue
            cache.remember(package)
        if package.plugin_id in failed or current.get(package.plugin_id, path.name) != path.name \
                or plugin_ids is not None and package.plugin_id not in plugin_ids:
            path.unlink()  # a failed target's old package, a version this build replaced, a removed plugin
            continue
        packages.append(package)
        live.add(sha1sum)
    return Index.from_packages(packages), live


# --- checking without building ------------------------------------------------------------

@dataclass
class CheckResult:
    findings: list[Finding]  # each problem once, by file and line
    checked: int  # plugin ids built and validated
    silenced: list[Finding] = field(default_factory=list)  # warnings the configuration silences, each once
    packages: list[tuple[PackageInfo, str]] = field(default_factory=list)  # with ``package``: each, its build file


def check(plugins_dir: Path, selectors: Sequence[str] = (), jobs: int | None = None,
          firmware_dir: Path | None = None, silencing: Silencing = Silencing(), provd: bool = False,
          package: bool = False) -> CheckResult:
    """Run the selected targets into a scratch folder and validate each built tree.

    Also reports build files that fail to load and plugin ids produced twice. Nothing
    is written outside the scratch folder, which is removed afterwards. ``provd``: each
    tree is also loaded by the real provd (see repo.validation.provdcompat). ``package``:
    each tree without errors is also packaged (as `inv build` would), to compare it with
    published packages.
    """
    plugins, load_errors = load_tree(Path(plugins_dir).resolve())
    findings = [from_error(e, code="duplicate-plugin-id" if isinstance(e, DuplicatePluginId) else "build-file")
                .at(shown(Path(e.path))) for e in selected_load_errors(plugins, load_errors, selectors)]
    silenced: list[Finding] = []
    targets = select_targets(plugins, selectors, unloadable(load_errors))
    with tempfile.TemporaryDirectory(prefix="provd-validate-") as scratch:
        firmware_dir = Path(firmware_dir) if firmware_dir else None
        from repo.validation.dhcpclasses import check_dhcp

        outcomes = {}
        with _running(targets, _build_and_check, (Path(scratch), firmware_dir, silencing, provd, package),
                      jobs) as built:
            for outcome in built:
                findings += outcome.findings
                silenced += outcome.silenced
                outcomes[outcome.pg_id] = outcome
        kept, quiet = _split_by_plugin(check_dhcp(plugins_dir, _built_trees(plugins, targets, outcomes, Path(scratch)),
                                                  not selectors), silencing, Path(plugins_dir))
        findings += kept
        silenced += quiet
    build_files = {target.pg_id: shown(target.build_file) for target in targets}
    packages = [(o.package, build_files[o.pg_id]) for o in outcomes.values() if o.package is not None]
    return CheckResult(ordered(findings), len(targets), ordered(silenced), packages)


def _build_and_check(folder: str, target_id: str, scratch: Path, firmware_dir: Path | None,
                     silencing: Silencing, provd: bool = False, package: bool = False) -> _Outcome:
    target = _loaded_target(folder, target_id)
    pg_id = target.pg_id
    tree = scratch / pg_id
    try:
        run_target(target, tree)
    except Exception as exc:  # the target's failure is its finding; the others go on
        failure = exc if isinstance(exc, ToolchainError) else ToolchainError(_describe(exc), target.build_file)
        finding = from_error(failure, f"target {target.label} ({pg_id}) failed: ", code="target-failed")
        return _Outcome(pg_id, error=finding.message,
                        findings=(finding.at(shown(Path(failure.path or target.build_file))),))
    # Built files without a source are named <pg_id>/<path>: the scratch folder is gone afterwards.
    kept, silenced = _split_silenced(check_built_target(target, tree, Path(pg_id), firmware_dir, provd),
                                     target, silencing)
    packaged = None
    if package and not errors(kept):
        packaged = package_tree(tree, pg_id, scratch / ".packages", source_date_epoch())
    return _Outcome(pg_id, package=packaged, findings=tuple(kept), silenced=tuple(silenced))


def _split_silenced(findings: list[Finding], target: Target, silencing: Silencing) -> tuple[list[Finding],
                                                                                          list[Finding]]:
    """(kept, silenced) findings of a target's built tree."""
    return silencing.split(findings, target.plugin, target.build_file.parent.parent)


def _split_by_plugin(findings: list[Finding], silencing: Silencing, plugins_dir: Path) -> tuple[list[Finding],
                                                                                              list[Finding]]:
    """(kept, silenced) findings about files of any build plugin (DHCP data): each judged by the folder it names."""
    kept, silenced = [], []
    for finding in findings:
        rel = os.path.relpath(os.path.abspath(finding.path), plugins_dir) if finding.path else ""
        plugin_kept, plugin_silenced = silencing.split([finding], rel.split(os.sep)[0], plugins_dir)
        kept += plugin_kept
        silenced += plugin_silenced
    return kept, silenced


# --- the classic command -----------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("-B", "--build", action="store_true", help="run targets: SOURCE plugins -> DESTINATION trees")
    mode.add_argument("-P", "--package", action="store_true", help="package trees: SOURCE trees -> DESTINATION")
    mode.add_argument("-D", "--db", action="store_true", help="write SOURCE/plugins.db from its packages")
    parser.add_argument("--source", default=None, help="input folder")
    parser.add_argument("--destination", default=None, help="output folder")
    parser.add_argument("names", nargs="*", help="selectors (-B) or plugin ids (-P); default: all")
    args = parser.parse_args(argv)
    try:
        if args.build:
            failures = _classic_build(Path(args.source or "plugins"), Path(args.destination or "_build/plugins"),
                                      args.names)
        elif args.package:
            failures = _classic_package(Path(args.source or "_build/plugins"), Path(args.destination or "_build/dev"),
                                        args.names)
        else:
            source = Path(args.source or "_build/dev")
            failures = _classic_db(source, Path(args.destination) if args.destination else source)
    except ToolchainError as exc:
        failures = [str(exc)]
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _classic_build(plugins_dir: Path, trees_dir: Path, selectors: Sequence[str]) -> list[str]:
    plugins, errors = load_tree(plugins_dir)
    failures = [str(e) for e in errors]
    for target in select_targets(plugins, selectors, unloadable(errors)):
        try:
            run_target(target, trees_dir.resolve() / target.pg_id)
        except ToolchainError as exc:
            failures.append(f"{target.label} ({target.pg_id}): {exc}")
    return failures


def _classic_package(trees_dir: Path, packages_dir: Path, plugin_ids: Sequence[str]) -> list[str]:
    from repo.validation.builtplugin import validate_built_tree

    ids = plugin_ids or sorted(p.name for p in trees_dir.iterdir() if p.is_dir())
    failures = []
    for pg_id in ids:
        tree = trees_dir / pg_id
        failure = first_error(f.at(shown(tree / f.path)) for f in validate_built_tree(tree, pg_id))
        if failure:
            failures.append(f"{pg_id}: {failure}")
            continue
        try:
            package_tree(tree, pg_id, packages_dir, source_date_epoch())
        except ToolchainError as exc:
            failures.append(f"{pg_id}: {exc}")
    return failures


def _classic_db(packages_dir: Path, destination: Path) -> list[str]:
    packages, failures = [], []
    for path in sorted(packages_dir.glob("*.tar.bz2")):
        try:
            packages.append(inspect_package(path))
        except ToolchainError as exc:
            failures.append(str(exc))
    if not failures:
        write_atomic(destination / INDEX_NAME, Index.from_packages(packages).to_bytes())
    return failures


if __name__ == "__main__":
    sys.exit(main())
