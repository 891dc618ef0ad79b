"""The bounds on reading a package, so that a tiny hostile file costs little time and memory.

Each bound is a documented maximum (README, "Limits") that an operator raises with an
environment variable, read afresh for every package: ``PROVD_MAX_EXPANDED_SIZE=4G``.
Sizes take an optional ``K``, ``M`` or ``G`` suffix (powers of 1024).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from repo.errors import ToolchainError

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
_SUFFIXES = {"": 1, "K": KiB, "M": MiB, "G": GiB}
_VALUE = re.compile(r"([0-9]+)([KMG]?)")


@dataclass(frozen=True)
class Limit:
    variable: str  # the environment variable that raises it
    default: int
    unit: str  # "bytes" or what is counted
    summary: str  # what it bounds, for the README

    def __call__(self) -> int:
        """The current value: the environment variable if set, else the default."""
        value = os.environ.get(self.variable)
        if value is None:
            return self.default
        match = _VALUE.fullmatch(value.strip().upper() if self.unit == "bytes" else value.strip())
        number = int(match[1]) * _SUFFIXES[match[2]] if match else 0
        if number <= 0:
            suffix = " (K, M or G suffix allowed)" if self.unit == "bytes" else ""
            raise ToolchainError(f"{self.variable} must be a positive whole number of {self.unit}{suffix}, "
                                 f"not {value!r}")
        return number

    def show(self, amount: int) -> str:
        """``amount`` in this limit's unit, for messages: ``512.0 MiB``, ``100 members``."""
        return binary_size(amount) if self.unit == "bytes" else f"{amount} {self.unit}"


def binary_size(count: int) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


PACKAGE_SIZE = Limit("PROVD_MAX_PACKAGE_SIZE", 256 * MiB, "bytes",
                     "size of a package file (when an index entry gives its size, exactly that size)")
EXPANDED_SIZE = Limit("PROVD_MAX_EXPANDED_SIZE", 1 * GiB, "bytes", "decompressed size of a package")
MEMBER_SIZE = Limit("PROVD_MAX_MEMBER_SIZE", 512 * MiB, "bytes", "size of one file in a package")
MEMBERS = Limit("PROVD_MAX_MEMBERS", 10_000, "members", "files, folders and links in a package")
NAME_LENGTH = Limit("PROVD_MAX_NAME_LENGTH", 1024, "bytes", "length of a member name or link target (UTF-8)")
LINK_STEPS = Limit("PROVD_MAX_LINK_STEPS", 100_000, "steps",
                   "path segments walked while resolving all the symlinks of a package")
PARSED_FILE_SIZE = Limit("PROVD_MAX_PARSED_FILE_SIZE", 8 * MiB, "bytes",
                         "size of a file the checks parse (plugin-info, Python, templates, pkgs.db)")

ALL = (PACKAGE_SIZE, EXPANDED_SIZE, MEMBER_SIZE, MEMBERS, NAME_LENGTH, LINK_STEPS, PARSED_FILE_SIZE)

# Fixed by the systems that extract packages, not by us: not configurable.
SEGMENT_LENGTH = 255  # NAME_MAX of Linux file systems
LINK_FOLLOWS = 40  # MAXSYMLINKS: the kernel gives up (ELOOP) beyond this many links in one path
HEADER_SIZE = 1 * MiB  # an extended (pax or GNU long name) tar header; names are bounded anyway
TIME_RANGE = 1 << 33  # seconds either side of 1970 (year 2242): extraction's os.utime fails beyond time_t
MODE_RANGE = 1 << 31  # a C int: extraction's os.chmod fails on more (type bits below it are harmless)
OWNER_IDS = 1 << 32  # uid and gid are 32-bit: extraction's os.chown fails (as root) on any other value


def check_parsable(name: str, size: int, where) -> None:
    """Refuse to read ``name`` into memory for parsing if it holds more than PARSED_FILE_SIZE."""
    limit = PARSED_FILE_SIZE()
    if size > limit:
        raise ToolchainError(f"{name!r} holds {binary_size(size)}; the checks parse files of at most "
                             f"{binary_size(limit)} ({PARSED_FILE_SIZE.variable})", where)
