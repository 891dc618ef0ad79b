"""What an `inv` run pays before doing anything: only the modules its task uses, compiled once."""
from __future__ import annotations

import io
import json
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import build
from tests.conftest import INV, ROOT, acme_plugin, run_inv

# Runs `inv ARGS` like the command does, then writes the names of the modules loaded to $MODULES_FILE.
RUN_AND_LIST_MODULES = """\
import json, os, sys
from invoke.main import program
try:
    program.run(["inv", *sys.argv[1:]], exit=False)
finally:
    with open(os.environ["MODULES_FILE"], "w") as out:
        json.dump(sorted(sys.modules), out)
"""
# The slow imports, made only by the tasks (or the parts of the build) that use them.
HEAVY = ("jinja2", "multiprocessing", "rich", "boto3", "botocore")


def modules_loaded(tmp_path: Path, *args: str) -> set[str]:
    modules_file = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, "--search-root", str(ROOT), *args],
                          cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "MODULES_FILE": str(modules_file)},
                          timeout=120)
    assert modules_file.exists(), done.stderr
    return set(json.loads(modules_file.read_text()))


def test_inv_list_loads_no_task_s_own_modules(tmp_path):
    loaded = modules_loaded(tmp_path, "--list")
    assert "tasks" in loaded and "build" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


def test_a_build_with_nothing_to_do_loads_neither_validation_nor_the_pool(plugins_dir, tmp_path):
    acme_plugin(plugins_dir)
    arguments = ("build", "--plugins-dir", str(plugins_dir), "--build-dir", str(tmp_path / "out"))
    assert run_inv(*arguments, cwd=tmp_path).returncode == 0
    loaded = modules_loaded(tmp_path, *arguments)
    assert "repo.build.buildcache" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


def bytecode_kept(tmp_path: Path, **env: str) -> list[str]:
    """The toolchain modules whose bytecode `inv --list` leaves (written under a prefix: the checkout stays as is)."""
    prefix = tmp_path / "pycache"
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment.update(env, PYTHONPYCACHEPREFIX=str(prefix))
    done = subprocess.run([*INV, "--list"], cwd=tmp_path, env=environment, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    tag = sys.implementation.cache_tag
    modules = ("build.py", "repo/build/buildcache.py", "repo/ui/cli.py")
    return [m for m in modules if (prefix / (ROOT / m).parent.relative_to("/") / f"{Path(m).stem}.{tag}.pyc").is_file()]


def test_toolchain_modules_are_compiled_once_and_kept(tmp_path):
    """Invoke turns bytecode writing off; the toolchain turns it back on for its own modules."""
    assert bytecode_kept(tmp_path) == ["build.py", "repo/build/buildcache.py", "repo/ui/cli.py"]


def test_a_user_who_turned_bytecode_off_gets_none(tmp_path):
    assert bytecode_kept(tmp_path, PYTHONDONTWRITEBYTECODE="1") == []


def test_bytecode_in_the_checkout_is_ignored_by_git():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    pyc = f"repo/ui/__pycache__/cli.{sys.implementation.cache_tag}.pyc"
    assert subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", pyc]).returncode == 0


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_workers_start_before_the_live_display(plugins_dir, tmp_path, monkeypatch):
    """rich's live display runs a thread: workers started after it would come from a fork server."""
    acme_plugin(plugins_dir)
    threads_when_started = []
    get_context = multiprocessing.get_context

    def recording(method=None):
        threads_when_started.append(threading.active_count())
        return get_context(method)
    monkeypatch.setattr(multiprocessing, "get_context", recording)
    monkeypatch.delenv("TERM", raising=False)
    threads = threading.active_count()
    result = build.build(plugins_dir, tmp_path / "out", jobs=2, stream=Terminal())
    assert result.ok and len(result.built) == 2
    assert threads_when_started == [threads, threads]  # rich's thread was not running yet
