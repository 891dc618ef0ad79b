"""A private copy of a package's members on disk, for the checks that read files (the built-plugin rules).

Members are copied as they are read, each only after ``MemberRules`` accepted it: names
are in normal form and never pass through a symlink or a file, so joining them onto the
scratch folder stays inside it. Files are created exclusively and without following
links all the same.
"""
from __future__ import annotations

import os
import tarfile
from pathlib import Path
from typing import Iterable

from repo.errors import ToolchainError


class ScratchCopy:
    def __init__(self, root: Path, where: str | Path):
        self.root, self.where = root, where

    def add(self, member: tarfile.TarInfo, chunks: Iterable[bytes] = ()) -> None:
        """Copy one accepted member; ``chunks`` is a regular file's content."""
        try:
            self._copy(member, chunks)
        except OSError as exc:
            raise ToolchainError(f"cannot copy {member.name!r} into {self.root} for the checks: "
                                 f"{exc.strerror or exc}", self.where) from None

    def _copy(self, member: tarfile.TarInfo, chunks: Iterable[bytes]) -> None:
        path = self.root / member.name
        path.parent.mkdir(parents=True, exist_ok=True)
        if member.isdir():
            path.mkdir(exist_ok=True)
        elif member.issym():
            path.symlink_to(member.linkname)
        elif member.islnk():
            os.link(self.root / member.linkname, path, follow_symlinks=False)
        else:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with open(descriptor, "wb") as file:
                for chunk in chunks:
                    file.write(chunk)
