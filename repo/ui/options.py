"""Task options: one meaning per short flag across every task, and help that shows values.

Invoke gives each option the first free letter of its name as a short flag, so ``-s``
came to mean ``--selector`` in one task and ``--strict`` in another. Tasks declared
with :func:`task` get short flags from SHORT_FLAGS only; every other option is long only.
"""
from __future__ import annotations

import functools
from typing import Any

import invoke
from invoke.parser import ParserContext

# The shared policy: a short flag means the same option in every task that has it.
SHORT_FLAGS = {
    "repo": "r", "build-dir": "b", "plugins-dir": "p", "channel": "c", "dry-run": "d", "force": "f",
    "verbose": "v", "jobs": "j", "selector": "s", "model": "m", "to": "t", "all": "a",
}
# Options a reader could confuse with a policy flag's letter: long only, on purpose.
LONG_ONLY = ("json", "from", "strict", "provd", "against", "summary", "changed", "firmware-dir")


class PolicyTask(invoke.Task):
    """An Invoke task whose options take their short flag from SHORT_FLAGS, never from their first letter."""

    def arg_opts(self, name: str, default: Any, taken_names: set[str]) -> dict[str, Any]:
        opts = super().arg_opts(name, default, taken_names)
        long_name = opts["names"][0]
        short = SHORT_FLAGS.get(long_name)
        opts["names"] = [long_name, short] if short and short not in taken_names else [long_name]
        return opts


def task(*args: Any, **kwargs: Any) -> Any:
    """``invoke.task`` with the short-flag policy (used exactly like it)."""
    return invoke.task(*args, klass=PolicyTask, **kwargs)


def show_values_of_repeatable_options() -> None:
    """Make ``inv --help TASK`` show a repeatable option with its value: ``-s STRING, --selector=STRING``.

    Invoke's help names a value only for str and int options, so a list option (given
    once per value) read as a flag taking none.
    """
    if getattr(ParserContext.help_for, "shows_list_values", False):
        return
    plain_help_for = ParserContext.help_for

    @functools.wraps(plain_help_for)
    def help_for(context: ParserContext, flag: str) -> tuple[str, str]:
        names, text = plain_help_for(context, flag)
        if context.flags[flag].kind is list:
            names = ", ".join(name + (" STRING" if len(name) == 2 else "=STRING") for name in names.split(", "))
        return names, text

    help_for.shows_list_values = True  # type: ignore[attr-defined]
    ParserContext.help_for = help_for

