"""Text read from a repository, made safe to show on a terminal."""
from __future__ import annotations

import unicodedata
from typing import Iterable

_HIDDEN = ("Cc", "Cf", "Cs", "Zl", "Zp")  # controls, format (bidi overrides), lone surrogates, line separators


def printable(text: str) -> str:
    """``text`` with control and format characters (escapes, line breaks, bidi overrides) shown escaped.

    Descriptions and ids come from whoever published the index: they must not be able
    to move the cursor, recolour or clear the terminal of whoever lists it, nor stop the
    output with a lone surrogate (``\\ud800``), which no terminal encoding can write.
    """
    return "".join(_escaped(char) if unicodedata.category(char) in _HIDDEN else char for char in text)


def _escaped(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


def print_lines(lines: Iterable[str]) -> None:
    """Print lines that may hold text from a repository, made printable."""
    for line in lines:
        print(printable(line))
