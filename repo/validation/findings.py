"""A finding: where (file, line), how bad (error or warning) and what, printed compiler-style."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Iterable

from repo.errors import ToolchainError

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    severity: str
    message: str
    code: str = ""  # the rule's short stable name, e.g. "dhcp-class"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        kind = f"{self.severity}[{self.code}]" if self.code else self.severity
        return f"{where}: {kind}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def at(self, path: str | os.PathLike) -> "Finding":
        """The same finding, reported against another path."""
        return replace(self, path=os.fspath(path))


def error(path: str | os.PathLike, message: str, line: int | None = None, code: str = "") -> Finding:
    return Finding(os.fspath(path), line, ERROR, message, code)


def warning(path: str | os.PathLike, message: str, line: int | None = None, code: str = "") -> Finding:
    return Finding(os.fspath(path), line, WARNING, message, code)


def from_error(exc: ToolchainError, prefix: str = "", code: str = "") -> Finding:
    """A ToolchainError (e.g. a build file that fails to load) as an error finding."""
    return Finding(exc.path or "", exc.line, ERROR, prefix + exc.message, code)


def decode_text(data: str | bytes, path: str | os.PathLike) -> tuple[str | None, list[Finding]]:
    """A file's UTF-8 text, or None and the error saying where decoding failed."""
    if isinstance(data, str):
        return data, []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [error(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings without repeats (a shared source file seen by several targets), by file and line."""
    return sorted(set(findings), key=lambda f: (f.path, f.line or 0, f.severity, f.code, f.message))


def first_error(findings: Iterable[Finding]) -> str | None:
    """One line for the whole list: the first error and how many more there are (None: no error)."""
    first = _first_error(findings)
    return None if first is None else f"{first[0]}{first[1]}"


def raise_first_error(findings: Iterable[Finding]) -> None:
    """For callers that stop at the first problem: raise it as a ToolchainError."""
    first = _first_error(findings)
    if first is not None:
        finding, more = first
        raise ToolchainError(finding.message + more, finding.path or None, finding.line)


def _first_error(findings: Iterable[Finding]) -> tuple[Finding, str] | None:
    found = ordered(errors(findings))
    if not found:
        return None
    return found[0], f" (+{len(found) - 1} more)" if len(found) > 1 else ""


def count(findings: Iterable[Finding]) -> str:
    """``2 errors, 1 warning``."""
    findings = list(findings)
    n_errors = len(errors(findings))
    n_warnings = len(findings) - n_errors
    return f"{plural(n_errors, 'error')}, {plural(n_warnings, 'warning')}"


def plural(n: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{n} {word}{'' if n == 1 else 's'}"
