"""A repository's own plugin tests: the pytest tests inside build plugins, run with the real provd importable.

Real trees keep unit tests in their plugin folders (``<plugin>/common/tests/``,
``<plugin>/<version>/tests/``), importing the plugin's own modules relatively and the
real ``wazo_provd``. Each selected build plugin gets a pytest run of its own (two
plugins may both have a ``common/tests/test_common.py``), rooted at the plugins folder
so that every test id starts with the plugin's name. No bytecode is written into the
plugin folders: a build would package it.
"""
from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from repo.validation.findings import plural
from repo.validation.provdcompat import require_provd

if TYPE_CHECKING:
    from build import BuildPlugin, Target

TESTS = "tests"
_NO_TESTS_COLLECTED = 5  # pytest's exit code


@dataclass(frozen=True)
class PluginTests:
    """The test folders of one build plugin that a run covers."""

    plugin: str
    folders: tuple[Path, ...]


@dataclass(frozen=True)
class PluginTestRun:
    plugin: str
    returncode: int | None  # None: the plugin has no tests to run
    output: str

    @property
    def passed(self) -> bool:
        return self.returncode in (None, 0, _NO_TESTS_COLLECTED)

    @property
    def summary(self) -> str:
        """pytest's closing line (``2 failed, 5 passed in 0.41s``), or what stands for it."""
        if self.returncode is None:
            return "no tests"
        lines = [line.strip(" =") for line in self.output.splitlines() if line.strip(" =")]
        return lines[-1] if lines else f"pytest exited with {self.returncode}"

    @property
    def failures(self) -> list[str]:
        """pytest's ``FAILED``/``ERROR`` lines, each naming a test by an id that starts with the plugin."""
        return [line for line in self.output.splitlines() if line.startswith(("FAILED ", "ERROR "))]

    def report(self, verbose: bool = False) -> str:
        """A line for the plugin; pytest's output below it when it failed (or when asked)."""
        line = f"{self.plugin}: {self.summary}" if self.passed else f"{self.plugin}: FAILED: {self.summary}"
        if not (verbose or not self.passed) or not self.output.strip():
            return line
        return "\n".join([line, *(f"  {text}" for text in self.output.rstrip().splitlines())])


def closing(runs: Sequence[PluginTestRun]) -> list[str]:
    """The verdict of a whole run, then each failed test, named by its plugin-first id."""
    failed = [run for run in runs if not run.passed]
    verdict = f"{plural(len(runs), 'plugin')} tested: " + (
        f"{len(failed)} failed ({', '.join(run.plugin for run in failed)})" if failed else "ok")
    return [verdict, *(failure for run in failed for failure in run.failures)]


def _key(name: str) -> str:
    """A version folder and its target compare alike: ``v8_9_3``, ``8.9.3`` and ``8-9-3``."""
    return name.lower().removeprefix("v").replace("_", ".").replace("-", ".")


def _test_folders(folder: Path) -> list[Path]:
    """The folders named ``tests`` at or under ``folder``, hidden and ``__pycache__`` folders skipped."""
    if folder.name == TESTS:
        return [folder]
    return [found for child in sorted(folder.iterdir())
            if child.is_dir() and not child.is_symlink() and not child.name.startswith((".", "__"))
            for found in _test_folders(child)]


def select(plugins: Sequence[BuildPlugin], chosen: Iterable[Target] | None) -> list[PluginTests]:
    """The test folders of the build plugins, all of them (``chosen`` None) or as far as targets are chosen.

    A plugin whose every target is chosen runs all its tests. With some of its targets
    only, it runs the tests of its shared folders (``common/``, ``common_dect/``, ...:
    folders named after none of its targets) and of the folders named after the chosen
    targets (``v8_9_3/`` or ``8.9.3/`` for target ``8.9.3``).
    """
    chosen_ids: dict[str, set[str]] | None = None
    if chosen is not None:
        chosen_ids = {}
        for target in chosen:
            chosen_ids.setdefault(target.plugin, set()).add(target.target_id)
    selected = []
    for plugin in plugins:
        wanted = set(plugin.targets) if chosen_ids is None else chosen_ids.get(plugin.name, set())
        if chosen_ids is not None and not wanted:
            continue
        if wanted == set(plugin.targets):
            folders = _test_folders(plugin.folder)
        else:
            target_keys = {_key(t) for t in plugin.targets}
            wanted_keys = {_key(t) for t in wanted}
            folders = [folder for child in sorted(plugin.folder.iterdir())
                       if child.is_dir() and (_key(child.name) in wanted_keys or _key(child.name) not in target_keys)
                       and not child.name.startswith((".", "__")) for folder in _test_folders(child)]
        selected.append(PluginTests(plugin.name, tuple(folders)))
    return selected


def run_plugin_tests(plugins_dir: Path, tests: PluginTests, verbose: bool = False) -> PluginTestRun:
    """One pytest run over a plugin's test folders, in a fresh interpreter like this one."""
    if not tests.folders:
        return PluginTestRun(tests.plugin, None, "")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(plugins_dir),
               "-v" if verbose else "-q", "-rfE", *map(str, tests.folders)]
    # Run from a scratch folder, so that what test tools keep in theirs (.hypothesis/,
    # .benchmarks/) stays out of the tree; pytest names files relative to it, shown here
    # relative to the plugins folder instead (test ids then start with the plugin).
    with tempfile.TemporaryDirectory(prefix="plugin-tests-") as scratch:
        from_scratch = os.path.relpath(plugins_dir, os.path.realpath(scratch)) + os.sep
        width = shutil.get_terminal_size().columns + len(from_scratch)  # lines pytest cuts, before the cut
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", COLUMNS=str(width)))
    return PluginTestRun(tests.plugin, done.returncode, (done.stdout + done.stderr).replace(from_scratch, ""))


def run_all(plugins_dir: Path, selection: Sequence[PluginTests], jobs: int | None = None, verbose: bool = False,
            on_done: Callable[[PluginTestRun], None] = lambda run: None) -> list[PluginTestRun]:
    """Each plugin's tests (``jobs`` plugins at a time), handed to ``on_done`` in plugin order."""
    require_provd()
    plugins_dir = Path(plugins_dir).resolve()
    runs = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        for run in pool.map(lambda tests: run_plugin_tests(plugins_dir, tests, verbose), selection):
            on_done(run)
            runs.append(run)
    return runs
