"""The closing summary of a validation run: counts per rule, then the verdict.

::

        2 errors   file-sha1sum
        3 warnings capability-key
       40 silenced dhcp-class
    114 plugins checked: 2 errors, 3 warnings, 40 silenced: FAILED
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from repo.validation.findings import Finding, count, plural

NO_CODE = "-"


def by_rule(findings: Iterable[Finding], silenced: Iterable[Finding]) -> list[str]:
    """One line per (kind, rule): errors first, then warnings, then silenced; most frequent first."""
    counts: Counter[tuple[int, str]] = Counter()
    for finding in findings:
        counts[(0 if finding.is_error else 1, finding.code or NO_CODE)] += 1
    for finding in silenced:
        counts[(2, finding.code or NO_CODE)] += 1
    lines = []
    for (kind, code), n in sorted(counts.items(), key=lambda item: (item[0][0], -item[1], item[0][1])):
        word = ("error" if n == 1 else "errors", "warning" if n == 1 else "warnings", "silenced")[kind]
        lines.append(f"{n:>6} {word:<8} {code}")
    return lines


def verdict(checked: int, findings: list[Finding], silenced: list[Finding], strict: bool) -> tuple[str, bool]:
    """The last line (``3 plugins checked: 1 error, 2 warnings, 4 silenced: FAILED``) and whether the run failed."""
    has_errors = any(f.is_error for f in findings)
    failed = has_errors or strict and bool(findings)
    quiet = f", {len(silenced)} silenced" if silenced else ""
    why = " (--strict: warnings fail too)" if failed and not has_errors else ""
    return f"{plural(checked, 'plugin')} checked: {count(findings)}{quiet}: {'FAILED' if failed else 'ok'}{why}", failed


def summary(checked: int, findings: list[Finding], silenced: list[Finding], strict: bool) -> tuple[list[str], bool]:
    """The per-rule lines and the verdict line, and whether the run failed."""
    line, failed = verdict(checked, findings, silenced, strict)
    return [*by_rule(findings, silenced), line], failed
