"""The one ordering of plugin versions used everywhere (index, channels, diffs).

A version is a release made of dot-separated numbers, optionally followed by a suffix:

* numbers compare as numbers, part by part (``1.10 > 1.9``, ``2.0 > 1.99.9``);
  missing trailing parts count as zero (``1.0`` and ``1.0.0`` rank the same);
* a suffix starting with a pre-release word (``dev``, ``a``/``alpha``, ``b``/``beta``,
  ``c``/``rc``/``pre``/``preview``) sorts before its release, in that order, then by
  its number: ``1.0-dev1 < 1.0a1 < 1.0-beta2 < 1.0-rc1 < 1.0``;
* any other suffix (``-1``, ``.post2``, ``+wazo3``) sorts after its release, the
  suffixes among themselves compared naturally (digit runs as numbers);
* versions that still rank the same are ordered by their text, so the order is total.
"""
from __future__ import annotations

import functools
import re

_SHAPE = re.compile(r"[0-9]+(?:\.[0-9]+)*(?:[-.+~_]?[A-Za-z0-9]+)*")
_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_TOKEN = re.compile(r"[0-9]+|[A-Za-z]+")
_PRE_RELEASE_RANK = {
    "dev": 0,
    "a": 1, "alpha": 1,
    "b": 2, "beta": 2,
    "c": 3, "rc": 3, "pre": 3, "preview": 3,
}
_FINAL = 4  # rank of a release without suffix, between pre- and post-releases


class InvalidVersion(ValueError):
    """The text is not shaped like a version."""


def natural_key(text: str) -> tuple:
    """A sort key reading digit runs as numbers and ignoring case: ``D9 < d10 < D100``."""
    # Tagging numbers 0 and words 1 keeps int/str from ever being compared.
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in _TOKEN.findall(text))


@functools.total_ordering
class Version:
    """A parsed plugin version; compare instances, or use ``Version(s)`` as a sort key."""

    __slots__ = ("text", "_key")

    def __init__(self, text: str):
        if not isinstance(text, str) or not _SHAPE.fullmatch(text):
            raise InvalidVersion(f"{text!r} is not a version (expected e.g. 1.2.3 or 0.3-rc1)")
        self.text = text
        release = _RELEASE.match(text).group()
        numbers = [int(n) for n in release.split(".")]
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        suffix = text[len(release):]
        tokens = natural_key(suffix)
        first_word = tokens[0][2] if tokens and tokens[0][0] == 1 else None
        if first_word in _PRE_RELEASE_RANK:
            rank, rest = _PRE_RELEASE_RANK[first_word], tokens[1:]
        elif suffix:
            rank, rest = _FINAL + 1, tokens
        else:
            rank, rest = _FINAL, ()
        self._key = (tuple(numbers), rank, rest, text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key == other._key

    def __lt__(self, other: "Version") -> bool:
        return self._key < other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Version({self.text!r})"

    def __str__(self) -> str:
        return self.text


def is_version(text: object) -> bool:
    """True when ``text`` is shaped like a version."""
    return isinstance(text, str) and _SHAPE.fullmatch(text) is not None
