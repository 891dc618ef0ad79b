"""In-process ``sed`` for the scripts build files run most: literal substitutions.

Handled: ``sed [-e SCRIPT]... [SCRIPT] FILE...`` (options before the files) where each
script is one or more ``s<d>PATTERN<d>REPLACEMENT<d>`` commands joined by ``;``, with no
flag or ``g``. The pattern must be ASCII without a regular-expression metacharacter
(``\\ . [ ] * ^ $``), so it means the same bytes in every locale; the replacement must
have no ``&``, backslash or newline. The output is what GNU sed writes for those files
read as one stream. Anything else, and any file that cannot be read, raises
``Unsupported`` before a byte is written, so the caller runs the real sed instead and
gets its exact output, messages and exit status.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass

from repo.errors import ToolchainError

__all__ = ["Substitution", "Unsupported", "parse_script", "run"]

_PATTERN_SPECIAL = frozenset(b"\\.[]*^$\n")
_REPLACEMENT_SPECIAL = frozenset(b"\\&\n")


class Unsupported(ToolchainError):
    """A sed command line outside the literal-substitution subset."""

    def __init__(self, what: str, message: str | None = None):
        super().__init__(message or f"sed: {what} is not supported by the built-in sed and sed is not installed")
        self.what = what


@dataclass(frozen=True)
class Substitution:
    pattern: bytes
    replacement: bytes
    every: bool  # the g flag: every occurrence in the line, not only the first

    def apply(self, line: bytes) -> bytes:
        return line.replace(self.pattern, self.replacement, -1 if self.every else 1)


def run(argv: Sequence[str | bytes], cwd: str | os.PathLike | None = None) -> bytes:
    """What ``argv`` (``sed ...``) writes to its standard output, run from ``cwd``."""
    scripts, files = _arguments([os.fsencode(a) for a in argv[1:]])
    substitutions = [s for script in scripts for s in parse_script(script)]
    text = _stream([_read(name, cwd) for name in files])
    return b"\n".join(_substitute(substitutions, line) for line in text.split(b"\n"))


def parse_script(script: bytes) -> list[Substitution]:
    """The substitutions of a script like ``s/a/b/;s|c|d|g``; ``Unsupported`` for anything else."""
    substitutions, start = [], 0
    while True:
        if script[start:start + 1] != b"s" or start + 1 >= len(script):
            raise Unsupported(f"script {os.fsdecode(script)!r}")
        delimiter = script[start + 1:start + 2]
        middle = script.find(delimiter, start + 2)
        end = script.find(delimiter, middle + 1) if middle >= 0 else -1
        if delimiter in (b"\\", b"\n") or delimiter[0] >= 0x80 or end < 0:
            raise Unsupported(f"script {os.fsdecode(script)!r}")
        flags_end = script.find(b";", end + 1)
        flags_end = len(script) if flags_end < 0 else flags_end
        substitutions.append(_substitution(script, script[start + 2:middle], script[middle + 1:end],
                                           script[end + 1:flags_end]))
        if flags_end >= len(script) - 1:  # the end, or a final ";"
            return substitutions
        start = flags_end + 1


def _substitution(script: bytes, pattern: bytes, replacement: bytes, flags: bytes) -> Substitution:
    if not pattern or any(c >= 0x80 or c in _PATTERN_SPECIAL for c in pattern) \
            or any(c in _REPLACEMENT_SPECIAL for c in replacement) or flags not in (b"", b"g"):
        raise Unsupported(f"script {os.fsdecode(script)!r}")
    return Substitution(pattern, replacement, flags == b"g")


def _arguments(args: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """(scripts, files); options must come first (GNU sed would also take them later)."""
    scripts, operands = [], []
    position = 0
    while position < len(args):
        arg = args[position]
        if arg.startswith(b"-") and operands:
            raise Unsupported(f"argument {os.fsdecode(arg)!r} after a file")
        if arg == b"-e" and position + 1 < len(args):
            scripts.append(args[position + 1])
            position += 1
        elif arg.startswith(b"--expression="):
            scripts.append(arg.partition(b"=")[2])
        elif arg.startswith(b"-"):
            raise Unsupported(f"option {os.fsdecode(arg)}")
        else:
            operands.append(arg)
        position += 1
    if not scripts and operands:
        scripts.append(operands.pop(0))
    if not scripts or not operands:
        raise Unsupported("reading standard input" if scripts else "a command line without a script")
    return scripts, operands


def _read(name: bytes, cwd: str | os.PathLike | None) -> bytes:
    path = os.path.join(os.fsencode(cwd), name) if cwd is not None else name
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: a FIFO would block
            raise Unsupported(f"reading {os.fsdecode(name)!r}, which is not a regular file")
        with open(path, "rb") as file:
            return file.read()
    except OSError as exc:  # the real sed reports it, goes on with the other files and exits 2
        raise Unsupported(f"reading {os.fsdecode(name)!r}",
                          f"sed: can't read {os.fsdecode(name)}: {exc.strerror} (and sed is not installed)") from None


def _stream(contents: list[bytes]) -> bytes:
    """The files as sed reads them: one stream, where only the very last line may lack its newline."""
    present = [c for c in contents if c]
    if not present:
        return b""
    ending = b"\n" if present[-1].endswith(b"\n") else b""
    return b"\n".join(c[:-1] if c.endswith(b"\n") else c for c in present) + ending


def _substitute(substitutions: list[Substitution], line: bytes) -> bytes:
    for substitution in substitutions:
        line = substitution.apply(line)
    return line
