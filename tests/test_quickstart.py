"""The README's quick start, run as written: a fresh copy of the checkout, a fresh virtual environment."""
from __future__ import annotations

import json
import os
import re
import subprocess

from tests.conftest import ROOT, fresh_checkout


def quick_start_commands() -> list[str]:
    """The shell commands of the README's Quick start section, in order."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_the_quick_start_has_a_build_command_and_a_test_command():
    build, tests = quick_start_commands()
    for command in (build, tests):
        assert "python3 -m venv .venv && .venv/bin/pip install" in command  # never pip into Debian's Python
        assert "apt-get install -y -qq python3-venv" in command
    assert build.endswith("&& .venv/bin/inv build")
    assert "'.[test]'" in tests and tests.endswith("&& .venv/bin/python -m pytest -q")


def test_ci_runs_exactly_the_readme_test_command():
    assert quick_start_commands()[1] in (ROOT / ".ci/run").read_text().splitlines()


def test_the_build_command_works_as_written_in_a_fresh_copy(tmp_path):
    """Command 1, verbatim, with apt-get recorded instead of run: the tests do not install system packages."""
    checkout = fresh_checkout(tmp_path / "provd-toolchain")
    before = {p.name for p in checkout.iterdir()}
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/apt-get.log\n')
    (shims / "apt-get").chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PROVD_REPO")}
    environment["PATH"] = f"{shims}{os.pathsep}{environment.get('PATH', '')}"
    done = subprocess.run(["sh", "-c", quick_start_commands()[0]], cwd=checkout, env=environment,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "apt-get.log").read_text().splitlines() == ["update -qq", "install -y -qq python3-venv"]
    index = json.loads((checkout / "_build/dev/plugins.db").read_bytes())
    assert sorted(index) == ["xivo-digium-1.1.0.0", "xivo-digium-2.8.1"]
    for entry in index.values():
        assert (checkout / "_build/dev" / entry["filename"]).is_file()
    assert "2 built, 0 up to date, 0 failed" in done.stdout
    assert {p.name for p in checkout.iterdir()} - before == {".venv", "_build"}  # no build/, no *.egg-info
    assert not list(checkout.rglob("*.egg-info"))
