"""Descriptions as people read them: real plugin-info descriptions mark line breaks with ``<br/>``."""
from __future__ import annotations

import re

_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def description_lines(description: str) -> list[str]:
    """The lines of a description, split at ``<br>``, ``<br/>`` and ``<br />`` (no other markup means anything)."""
    return [line.strip() for line in _LINE_BREAK.split(description)]
