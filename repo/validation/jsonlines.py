"""Where things are in a JSON text: the line of each object key, for findings about keys."""
from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring

_SPACE = re.compile(r"[ \t\n\r]*")
_SCALARS = json.JSONDecoder()


class KeyLines:
    """Maps a key path such as ``("capabilities", "Acme, P1, 1.0", "lines")`` to its line.

    The text must be valid JSON (parse it with ``json`` first). A repeated key maps
    to its last occurrence, the one whose value JSON keeps.
    """

    def __init__(self, text: str):
        self._text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._lines: dict[tuple, int] = {}
        self._value(0, ())

    def line(self, *path: str | int) -> int | None:
        """The line of the deepest key of ``path`` that was found (None if not even the first)."""
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None

    def _line_at(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def _skip(self, pos: int) -> int:
        return _SPACE.match(self._text, pos).end()

    def _value(self, pos: int, path: tuple) -> int:
        text = self._text
        pos = self._skip(pos)
        opening = text[pos]
        if opening not in "{[":
            return _SCALARS.raw_decode(text, pos)[1]
        closing = "}" if opening == "{" else "]"
        pos = self._skip(pos + 1)
        index = 0
        while text[pos] != closing:
            if opening == "{":
                key, after = scanstring(text, pos + 1)
                self._lines[path + (key,)] = self._line_at(pos)
                pos = self._value(self._skip(after) + 1, path + (key,))
            else:
                pos = self._value(pos, path + (index,))
                index += 1
            pos = self._skip(pos)
            if text[pos] == ",":
                pos = self._skip(pos + 1)
        return pos + 1
