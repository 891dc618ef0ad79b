"""Routing build files' ``rsync`` and ``sed`` commands to in-process equivalents.

Build files run ``check_call(['rsync', ...])``, ``check_call(['sed', ...], stdout=f)`` and
friends; while they load and run, those subprocess functions are wrapped so such a
command is carried out in-process (repo.build.rsync, repo.build.sed): no process per
copy or template, and the same tree whether or not the program is installed. What a
built-in does not handle (an option, a script, a way of starting the process) goes to
the real program, so results do not depend on the routing.
"""
from __future__ import annotations

import contextlib
import locale
import os
import shutil
import subprocess
from typing import Callable, Iterator, NamedTuple, Sequence

from repo.build import rsync, sed
from repo.errors import ToolchainError

_SUBPROCESS_FUNCTIONS = ("call", "check_call", "check_output", "run")
# Keyword arguments whose effect the built-ins reproduce; any other (umask, executable,
# preexec_fn, ...) changes how the real program would run, so it runs.
_EMULATED_KEYWORDS = frozenset({"cwd", "stdout", "stderr", "stdin", "input", "check", "capture_output", "text",
                                "universal_newlines", "encoding", "errors", "timeout", "close_fds", "bufsize",
                                "env"})


class BuiltIn(NamedTuple):
    run: Callable[[list[str], str | None], bytes]  # (argv, cwd) -> what the program writes to stdout
    unsupported: type[ToolchainError]  # raised, before any effect, for what the real program must do


def _rsync(argv: list[str], cwd: str | None) -> bytes:
    rsync.run(argv, cwd=cwd)
    return b""  # the emulated options print nothing


BUILTINS = {"rsync": BuiltIn(_rsync, rsync.UnsupportedOption), "sed": BuiltIn(sed.run, sed.Unsupported)}
# What a command the built-in cannot run raises when its program is not installed either.
MISSING_PROGRAM_ERRORS = tuple(builtin.unsupported for builtin in BUILTINS.values())


@contextlib.contextmanager
def builtin_commands() -> Iterator[None]:
    """Route build files' ``rsync`` and ``sed`` commands to the built-ins while they load and run.

    Build files bind ``check_call`` & co. when they import them, so the wrappers are in
    place both while a build file is executed and while its targets run.
    """
    originals = {name: getattr(subprocess, name) for name in _SUBPROCESS_FUNCTIONS}
    for name, original in originals.items():
        setattr(subprocess, name, _routing(name, original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(subprocess, name, original)


def _routing(name: str, original: Callable) -> Callable:
    def call(*args, **kwargs):
        command = args[0] if args else kwargs.get("args")
        program = _builtin_program(name, command, args, kwargs)
        if program is None:
            return original(*args, **kwargs)
        builtin = BUILTINS[program]
        try:
            output = builtin.run([os.fspath(a) for a in command], kwargs.get("cwd"))
        except builtin.unsupported:
            if shutil.which(program) is None:
                raise
            return original(*args, **kwargs)
        return _deliver(name, command, output, kwargs)
    call.__wrapped__ = original
    return call


def _builtin_program(name: str, command: object, args: tuple, kwargs: dict) -> str | None:
    """The built-in to run ``command`` with, or None when the real call must be made."""
    if len(args) > 1 or kwargs.get("shell") or not isinstance(command, (list, tuple)) or not command \
            or not _EMULATED_KEYWORDS.issuperset(kwargs) or (name == "check_output" and "stdout" in kwargs):
        return None
    if not isinstance(command[0], (str, os.PathLike)):
        return None
    program = os.path.basename(os.fspath(command[0]))
    if program not in BUILTINS or not _has_destination(kwargs.get("stdout")):
        return None
    return program


def _has_destination(stdout: object) -> bool:
    """Whether output can go where ``stdout`` says (else subprocess itself would refuse it)."""
    if stdout is None or isinstance(stdout, int):
        return True
    try:
        stdout.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
        return False
    return True


def _deliver(name: str, command: Sequence, output: bytes, kwargs: dict):
    """What the subprocess function returns, after the output went where the real process would write it."""
    stdout = kwargs.get("stdout")
    captured = name == "check_output" or (name == "run" and (kwargs.get("capture_output") or stdout == subprocess.PIPE))
    if name == "check_output":
        return _as_read(output, kwargs)
    if not captured:
        _write(stdout, output)
    if name != "run":
        return 0
    errors_captured = kwargs.get("capture_output") or kwargs.get("stderr") == subprocess.PIPE
    return subprocess.CompletedProcess(command, 0, _as_read(output, kwargs) if captured else None,
                                       _as_read(b"", kwargs) if errors_captured else None)


def _write(stdout: object, output: bytes) -> None:
    """Write to the file descriptor the child would have inherited (bypassing Python's buffers, as it would)."""
    if stdout in (subprocess.PIPE, subprocess.DEVNULL):
        return  # a pipe nobody reads (call, check_call) or the null device
    fd = 1 if stdout is None else stdout if isinstance(stdout, int) else stdout.fileno()
    view = memoryview(output)
    while view:
        view = view[os.write(fd, view):]


def _as_read(output: bytes, kwargs: dict) -> bytes | str:
    """Captured output as subprocess returns it: bytes, or text decoded with universal newlines."""
    if not (kwargs.get("text") or kwargs.get("universal_newlines") or kwargs.get("encoding") or kwargs.get("errors")):
        return output
    text = output.decode(kwargs.get("encoding") or locale.getpreferredencoding(False), kwargs.get("errors") or "strict")
    return text.replace("\r\n", "\n").replace("\r", "\n")
