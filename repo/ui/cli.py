"""The task boundary: exceptions become one line and an exit code; word lists after a task.

A reader that goes away (``inv list --json | head``) ends the task quietly, like a
standard Unix tool killed by SIGPIPE: nothing on stderr, exit status 141 (128 + SIGPIPE,
what a shell reports for ``yes | head``).

Invoke has no variadic positional arguments, so ``inv build a b`` would read ``b`` as
a task name. ``accept_trailing_words`` rewrites such words into a repeatable option
before Invoke parses the task arguments.
"""
from __future__ import annotations

import functools
import os
import select
import sys
from typing import Callable

from invoke import Exit, Task

from repo.errors import ToolchainError
from repo.ui.terminal import printable

SIGPIPE_STATUS = 128 + 13


def reports_errors(body: Callable) -> Callable:
    """Turn a ToolchainError raised by a task body into ``error: ...`` and exit status 1.

    A closed output pipe ends the task with status SIGPIPE_STATUS and no message.
    """
    @functools.wraps(body)
    def run(*args, **kwargs):
        try:
            result = body(*args, **kwargs)
            sys.stdout.flush()  # buffered output meets a closed pipe here, not at interpreter exit
            return result
        except ToolchainError as exc:
            raise Exit(f"error: {printable(str(exc))}", code=1) from None
        except BrokenPipeError:
            if not _silence_closed_outputs():
                raise  # another pipe or socket (a subprocess, a connection): a real error
            raise Exit(code=SIGPIPE_STATUS) from None
    return run


def _silence_closed_outputs() -> bool:
    """Point stdout and stderr at /dev/null if nobody reads them any more; whether one was closed.

    What is still buffered for a closed stream then goes nowhere, instead of failing again
    (as "Exception ignored ... BrokenPipeError") when the interpreter flushes it at exit.
    """
    closed = [stream for stream in (sys.stdout, sys.stderr) if _reader_gone(stream)]
    for stream in closed:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    return bool(closed)


def _reader_gone(stream) -> bool:
    """Whether ``stream`` is a pipe or socket whose reading end is closed (poll reports an error)."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poller = select.poll()
    poller.register(descriptor, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def accept_trailing_words(tasks: dict[str, tuple[Task, str]], argv: list[str],
                          task_names: frozenset[str] = frozenset()) -> list[str]:
    """Rewrite bare words after each named task into ``--<option>=word``.

    ``tasks`` maps a task's CLI name to (task, name of its list option). Words that
    are the value of a flag, or the name of another task (``task_names``, besides
    ``tasks``), are left alone, and so are the first bare words when the task has
    positional arguments not given as flags.
    """
    result: list[str] = []
    current: tuple[Task, str] | None = None
    valued: set[str] = set()
    positional: dict[str, str] = {}  # flag -> name of a positional argument still to fill
    waiting_for_value = False
    for position, word in enumerate(argv):
        if word == "--":
            result.extend(argv[position:])
            break
        if waiting_for_value:
            waiting_for_value = False
        elif word.startswith("-"):
            flag = word.partition("=")[0]
            waiting_for_value = current is not None and "=" not in word and word in valued
            _fill(positional, positional.get(flag))
        elif word in tasks:
            current = tasks[word]
            arguments = current[0].get_arguments()
            valued = {flag for argument in arguments if argument.takes_value for flag in _flags(argument.names)}
            positional = {flag: argument.name for argument in arguments if argument.positional
                          for flag in _flags(argument.names)}
        elif current is not None and positional:
            _fill(positional, next(iter(positional.values())))
        elif current is not None and word not in task_names:
            word = f"--{current[1].replace('_', '-')}={word}"
        else:
            current = None
        result.append(word)
    return result


def install_trailing_words(tasks: dict[str, tuple[Task, str]], namespace: dict) -> None:
    """Apply accept_trailing_words to the running ``inv`` program, if there is one.

    ``namespace`` holds every task (the tasks module's globals): their names are never
    taken for bare words.
    """
    task_names = frozenset(task.name.replace("_", "-") for task in namespace.values() if isinstance(task, Task))
    program = getattr(sys.modules.get("invoke.main"), "program", None)
    core = getattr(program, "core", None)
    if core is not None and isinstance(getattr(core, "unparsed", None), list):
        core.unparsed[:] = accept_trailing_words(tasks, core.unparsed, task_names)


def _fill(positional: dict[str, str], name: str | None) -> None:
    """Forget the flags of positional argument ``name``: it has its value."""
    for flag in [flag for flag, argument in positional.items() if argument == name]:
        del positional[flag]


def _flags(names) -> list[str]:
    return [f"-{n}" if len(n) == 1 else f"--{n}" for n in names]
