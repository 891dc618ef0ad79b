"""Routing build files' ``rsync`` commands to the built-in copier (repo.build.rsync).

Build files run ``check_call(['rsync', ...])`` and friends; while they load and run,
those subprocess functions are wrapped so an rsync command is carried out in-process:
the same tree whether or not rsync is installed, without a process per copy. Options
outside the built-in subset go to the real rsync when there is one.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from typing import Callable, Iterator

from repo.build import rsync

_SUBPROCESS_FUNCTIONS = ("call", "check_call", "check_output", "run")


@contextlib.contextmanager
def builtin_rsync() -> Iterator[None]:
    """Route build files' ``rsync`` commands to the built-in copier while they load and run.

    Build files bind ``check_call`` & co. when they import them, so the wrappers are in
    place both while a build file is executed and while its targets run.
    """
    originals = {name: getattr(subprocess, name) for name in _SUBPROCESS_FUNCTIONS}
    for name, original in originals.items():
        setattr(subprocess, name, _rsync_aware(name, original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(subprocess, name, original)


def _rsync_aware(name: str, original: Callable) -> Callable:
    def call(*args, **kwargs):
        command = args[0] if args else kwargs.get("args")
        if kwargs.get("shell") or not isinstance(command, (list, tuple)) or not command \
                or os.path.basename(os.fspath(command[0])) != "rsync":
            return original(*args, **kwargs)
        try:
            rsync.run([os.fspath(a) for a in command], cwd=kwargs.get("cwd"))
        except rsync.UnsupportedOption:
            if shutil.which("rsync") is None:
                raise
            return original(*args, **kwargs)
        if name == "run":
            return subprocess.CompletedProcess(command, 0)
        if name == "check_output":
            text = kwargs.get("text") or kwargs.get("universal_newlines") or kwargs.get("encoding")
            return "" if text else b""
        return 0
    call.__wrapped__ = original
    return call
