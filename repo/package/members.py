"""Archive members judged by what plain ``tarfile.extractall`` (provd, as root, no filter) would write.

Members arrive one at a time, in archive order (as read, or as written by the packer),
and are kept in a tree of path segments so every check is linear in the name length:

- names must already be in normal form: extraction resolves ``.``, empty segments and
  trailing slashes, so ``p/./s`` would be written as ``p/s`` unseen by a raw-string check;
- nothing is written through a symlink or inside a file, and nothing replaces an earlier
  member (a second ``p/plugin-info``, a symlink over a folder, a file over a symlink);
- hard links name a regular file stored before them, exactly;
- no devices, fifos, sparse files, set-user/group-ID or world-writable modes, nor a
  negative size, a time, mode or owner id that extraction cannot apply;
- at the end, every symlink must resolve, as the kernel would through the archive's own
  links, without ever leaving the plugin folder (or the archive root, for root-level
  archives such as the DHCP bundle), with at most 40 links per lookup and a bounded
  total of resolution steps.
"""
from __future__ import annotations

import posixpath
import re
import stat
import tarfile
from pathlib import Path

from repo.errors import ToolchainError
from repo.package.limits import (
    EXPANDED_SIZE,
    LINK_FOLLOWS,
    LINK_STEPS,
    MEMBER_SIZE,
    MEMBERS,
    MODE_RANGE,
    NAME_LENGTH,
    OWNER_IDS,
    SEGMENT_LENGTH,
    TIME_RANGE,
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FOLDER, _IMPLIED, _FILE, _SYMLINK = "folder", "implied folder", "file", "symlink"
_KIND = {tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hard link"}


class _Node:
    __slots__ = ("kind", "children", "target")

    def __init__(self, kind: str, target: str = ""):
        self.kind, self.target = kind, target
        self.children: dict[str, _Node] = {}


class MemberRules:
    """Feed ``add`` every member in archive order, then ``finish``; each refusal is a ToolchainError.

    ``single_top``: a package (one top-level folder, the plugin id, which symlinks must
    not leave); otherwise files at the root (the DHCP bundle), links staying inside it.
    """

    def __init__(self, where: str | Path, single_top: bool = True):
        self.where, self.single_top = where, single_top
        self.top: str | None = None
        self._root = _Node(_FOLDER)
        self._links: list[tuple[list[str], str, str]] = []  # (segments, name, target)
        self._count = self._declared = self._steps = 0  # members, bytes they declare, link resolution steps
        self._max_members, self._max_name, self._max_member = MEMBERS(), NAME_LENGTH(), MEMBER_SIZE()
        self._max_expanded, self._max_steps = EXPANDED_SIZE(), LINK_STEPS()

    def add(self, member: tarfile.TarInfo) -> None:
        self._count += 1
        if self._count > self._max_members:
            self._refuse(f"more than {MEMBERS.show(self._max_members)} ({MEMBERS.variable})")
        segments = self._segments(member.name)
        self._check_kind(member)
        self._check_top(member, segments)
        if member.issym() or member.islnk():
            self._check_text(member.linkname, f"the target of {_KIND[member.type]} {member.name!r}")
        if member.issym():
            if not member.linkname or member.linkname.startswith("/"):
                self._refuse(f"symlink {member.name!r} -> {member.linkname!r} points outside the {self._inside}")
            self._links.append((segments, member.name, member.linkname))
        elif member.islnk() and self._find(member.linkname) is None:
            self._refuse(f"hard link {member.name!r} -> {member.linkname!r} must name a regular file stored "
                         "before it")
        self._insert(member, segments)

    def finish(self) -> str | None:
        """Judge the symlinks now that the whole tree is known; return the top-level folder."""
        if self._count == 0:
            self._refuse("empty archive")
        for segments, name, target in self._links:
            self._resolve(segments, name, target)
        return self.top

    # --- one member --------------------------------------------------------------------------

    def _segments(self, name: str) -> list[str]:
        if not name:
            self._refuse("a member has an empty name")
        self._check_text(name, f"member name {_short(name)}")
        if name.startswith("/"):
            self._refuse(f"absolute member path {name!r}")
        segments = name.split("/")
        if ".." in segments:
            self._refuse(f"member path {name!r} goes up with '..'")
        if "" in segments or "." in segments:
            self._refuse(f"member name {name!r} is not in normal form (extraction writes "
                         f"{posixpath.normpath(name)!r})")
        if any(len(segment.encode()) > SEGMENT_LENGTH for segment in segments):
            self._refuse(f"member name {_short(name)} has a segment longer than {SEGMENT_LENGTH} bytes")
        return segments

    def _check_text(self, text: str, what: str) -> None:
        """Names reach terminals, logs and file systems: printable UTF-8 of bounded length."""
        if _CONTROL.search(text):
            self._refuse(f"{what} contains a control character")
        try:
            length = len(text.encode())
        except UnicodeEncodeError:
            self._refuse(f"{what} is not valid UTF-8")
        if length > self._max_name:
            self._refuse(f"{what} is longer than {self._max_name} bytes ({NAME_LENGTH.variable})")

    def _check_kind(self, member: tarfile.TarInfo) -> None:
        name = member.name
        if member.issparse():
            self._refuse(f"member {name!r} is a sparse file")
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            self._refuse(f"member {name!r} is a device, fifo or other special file")
        if not member.issym():  # extraction applies the mode of everything else, hard links included
            if member.mode & (stat.S_ISUID | stat.S_ISGID):
                self._refuse(f"member {name!r} is set-user-ID or set-group-ID (provd extracts as root)")
            if member.mode & stat.S_IWOTH:
                self._refuse(f"member {name!r} is writable by everyone (provd extracts as root)")
        if member.size < 0:  # extraction would copy the bytes after the header: content never checked
            self._refuse(f"member {name!r} has a negative size")
        # Out of range, os.utime and os.chown raise what tarfile does not catch: provd stops half-way.
        if not -TIME_RANGE <= member.mtime <= TIME_RANGE:  # NaN fails every comparison
            self._refuse(f"member {name!r} has a modification time extraction cannot set ({member.mtime!r})")
        if not 0 <= member.mode < MODE_RANGE:
            self._refuse(f"member {name!r} has a mode extraction cannot set ({member.mode})")
        if not (0 <= member.uid < OWNER_IDS and 0 <= member.gid < OWNER_IDS):
            self._refuse(f"member {name!r} has an owner extraction cannot set (uid {member.uid}, gid {member.gid})")
        if member.isreg():
            if member.size > self._max_member:
                self._refuse(f"member {name!r} holds {MEMBER_SIZE.show(member.size)}; the limit is "
                             f"{MEMBER_SIZE.show(self._max_member)} ({MEMBER_SIZE.variable})")
            self._declared += member.size
            if self._declared > self._max_expanded:
                self._refuse(f"expands to more than {EXPANDED_SIZE.show(self._max_expanded)} "
                             f"({EXPANDED_SIZE.variable})")

    def _check_top(self, member: tarfile.TarInfo, segments: list[str]) -> None:
        if not self.single_top:
            return
        if self.top is None:
            self.top = segments[0]
        elif segments[0] != self.top:
            found = ", ".join(sorted({self.top, segments[0]}))
            self._refuse(f"expected exactly one top-level folder, found {found}")
        if len(segments) == 1 and not member.isdir():
            self._refuse(f"top-level entry {member.name!r} is not a folder")

    def _insert(self, member: tarfile.TarInfo, segments: list[str]) -> None:
        node = self._root
        for depth, segment in enumerate(segments[:-1], 1):
            child = node.children.get(segment)
            if child is None:
                child = node.children[segment] = _Node(_IMPLIED)
            elif child.kind in (_SYMLINK, _FILE):
                through = "through the symlink" if child.kind == _SYMLINK else "inside the file"
                self._refuse(f"member {member.name!r} is written {through} {'/'.join(segments[:depth])!r}")
            node = child
        kind = _FOLDER if member.isdir() else _SYMLINK if member.issym() else _FILE
        existing = node.children.get(segments[-1])
        if existing is None:
            node.children[segments[-1]] = _Node(kind, member.linkname if kind == _SYMLINK else "")
        elif existing.kind == _IMPLIED and kind == _FOLDER:
            existing.kind = _FOLDER
        elif existing.kind == _IMPLIED:
            self._refuse(f"member {member.name!r} replaces the folder that earlier members were written into")
        else:
            self._refuse(f"member {member.name!r} appears twice (the second would overwrite the first)")

    def _find(self, name: str) -> _Node | None:
        """The regular file (or hard link) stored under exactly ``name``, if any."""
        node = self._root
        for segment in name.split("/"):
            node = node.children.get(segment)
            if node is None:
                return None
        return node if node.kind == _FILE else None

    # --- symlinks ------------------------------------------------------------------------------

    def _resolve(self, segments: list[str], name: str, target: str) -> None:
        """Walk ``target`` from the link's folder as the kernel would, following the archive's links.

        A segment that the archive does not hold (or that is a file) is taken as a folder
        that may exist later: lexically, the most a path through it could reach.
        """
        path = [self._root]
        for segment in segments[:-1]:
            path.append(path[-1].children[segment])
        floor = 2 if self.single_top else 1  # the walk may not reach above the plugin folder (or the root)
        beyond, follows = 0, 0  # segments walked below the last existing folder; links followed
        pending = target.split("/")[::-1]
        while pending:
            self._steps += 1
            if self._steps > self._max_steps:
                self._refuse(f"symlinks need more than {self._max_steps} resolution steps ({LINK_STEPS.variable})")
            segment = pending.pop()
            if segment in ("", "."):
                continue
            if segment == "..":
                if beyond:
                    beyond -= 1
                elif len(path) > floor:
                    path.pop()
                else:
                    self._refuse(f"symlink {name!r} -> {target!r} points outside the {self._inside}")
                continue
            child = None if beyond else path[-1].children.get(segment)
            if child is None or child.kind == _FILE:
                beyond += 1
            elif child.kind == _SYMLINK:
                follows += 1
                if follows > LINK_FOLLOWS:
                    self._refuse(f"symlink {name!r} -> {target!r} needs more than {LINK_FOLLOWS} symlinks to "
                                 "resolve (a loop?)")
                pending += child.target.split("/")[::-1]
            else:
                path.append(child)

    @property
    def _inside(self) -> str:
        return "plugin folder" if self.single_top else "archive"

    def _refuse(self, message: str):
        raise ToolchainError(message, self.where)


def _short(text: str) -> str:
    """A long name shortened for a one-line message."""
    return repr(text) if len(text) <= 80 else f"{text[:60]!r}..."
