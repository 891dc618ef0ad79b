"""The toolchain's one error type: a message, optionally tied to a file and line."""
from __future__ import annotations

import os


class ToolchainError(Exception):
    """A failure to report as one line (``path:line: message``) and a non-zero exit."""

    def __init__(self, message: str, path: str | os.PathLike | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


def brief(value: object, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters: untrusted values in one-line messages."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."
