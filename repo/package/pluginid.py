"""The one rule for plugin ids, wherever one comes from: a build file, a package, an index.

A plugin id names provd's plugin folder, the package's top folder and the package file
(``<id>-<version>.tar.bz2``), and it is printed on terminals. So it is a plain name:
ASCII letters and digits, then also ``.``, ``_``, ``+``, ``-`` (no leading ``.`` or ``-``,
no ``/``, no spaces, no control characters), at most 128 characters (the file name
must stay under the 255 bytes file systems allow).
"""
from __future__ import annotations

import re

from repo.errors import brief

MAX_LENGTH = 128
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
RULE = f"letters, digits, . _ + - (not first), at most {MAX_LENGTH} characters"


def is_plugin_id(text: object) -> bool:
    return isinstance(text, str) and len(text) <= MAX_LENGTH and _PLAIN.fullmatch(text) is not None


def plugin_id_problem(text: object) -> str | None:
    """Why ``text`` is not a plugin id (a phrase for a message), or None when it is one."""
    if is_plugin_id(text):
        return None
    return f"plugin id {brief(text)} is not a plain name ({RULE})"
