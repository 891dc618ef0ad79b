"""In-process emulation of the rsync subset that plugin build files use.

Supported: ``-r``/``-l``/``-p`` (plus no-op ``-v``/``-q``) and ``--include``/``--exclude``,
several sources, destination last, local paths only.  The behaviour (trailing-slash rule,
merging of several sources, filter matching, permissions, skipped entries) follows real
rsync, which ``tests/test_rsync.py`` compares against.  Anything else raises
``UnsupportedOption`` so the caller can fall back to the real program.

All paths are handled as bytes: rsync matches patterns against raw file-name bytes.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Sequence
from typing import Callable, NamedTuple

from repo.errors import ToolchainError

__all__ = ["UnsupportedOption", "run"]


class UnsupportedOption(ToolchainError):
    """An rsync option (or operand form) outside the emulated subset."""

    def __init__(self, option: str, message: str | None = None):
        super().__init__(message or f"rsync option {option} is not supported by the built-in rsync "
                                    f"and rsync is not installed")
        self.option = option


_FLAGS = {"r": "recursive", "l": "links", "p": "perms", "v": None, "q": None}
_LONG_FLAGS = {"--recursive": "recursive", "--links": "links", "--perms": "perms",
               "--verbose": None, "--quiet": None}


# ---------------------------------------------------------------- filter rules

class _Rule(NamedTuple):
    include: bool
    dir_only: bool         # trailing "/": only matches directories
    name_only: bool        # no "/" and no "**": matched against the last path component
    slash_prefix: bool     # leading "**": rsync prepends "/" so "**/x" also matches "x"
    dir_suffix: bool       # trailing "***": rsync appends "/" to dirs so "d/***" matches "d"
    tail: int              # > 0: matched against that many trailing path elements
    match: Callable[[bytes], object]  # fullmatch of the compiled pattern


_NEVER = re.compile(rb"(?!)").fullmatch
_POSIX_CLASSES: dict[bytes, Callable[[int], bool]] = {
    b"alnum": lambda c: bytes([c]).isalnum(), b"alpha": lambda c: bytes([c]).isalpha(),
    b"blank": lambda c: c in b" \t", b"cntrl": lambda c: c < 32 or c == 127,
    b"digit": lambda c: bytes([c]).isdigit(), b"graph": lambda c: 33 <= c <= 126,
    b"lower": lambda c: bytes([c]).islower(), b"print": lambda c: 32 <= c <= 126,
    b"punct": lambda c: 33 <= c <= 126 and not bytes([c]).isalnum(),
    b"space": lambda c: c in b" \t\n\r\v\f", b"upper": lambda c: bytes([c]).isupper(),
    b"xdigit": lambda c: c in b"0123456789abcdefABCDEF",
}


def _translate_class(pat: bytes, i: int) -> tuple[bytes, int] | None:
    """Translate the ``[...]`` starting after the ``[`` at ``pat[i]``, like rsync's wildmatch.c.

    Returns (regex, index after the closing ``]``), or None for a malformed class (rsync then
    aborts the whole match, so the rule never matches).
    """
    n = len(pat)
    member = [False] * 256
    negate = i < n and pat[i] in b"!^"
    i += negate
    prev = 0
    while True:  # do-while: a "]" right after "[" or "[!" is a member, not the end
        if i >= n:
            return None
        c = pat[i]
        if c == 0x5C:  # backslash escapes the next char
            i += 1
            if i >= n:
                return None
            c = pat[i]
            member[c] = True
        elif c == 0x2D and prev and i + 1 < n and pat[i + 1] != 0x5D:  # range "a-z"
            i += 1
            c = pat[i]
            if c == 0x5C:
                i += 1
                if i >= n:
                    return None
                c = pat[i]
            for x in range(prev, c + 1):
                member[x] = True
            c = 0  # a range cannot start another range
        elif c == 0x5B and pat[i + 1:i + 2] == b":":  # "[:alpha:]"
            end = pat.find(b"]", i + 2)
            if end < 0:
                return None
            if end - (i + 2) - 1 < 0 or pat[end - 1] != 0x3A:
                member[c] = True  # no ":]": a plain "[" member
            else:
                test = _POSIX_CLASSES.get(pat[i + 2:end - 1])
                if test is None:
                    return None
                for x in range(256):
                    member[x] = member[x] or test(x)
                i, c = end, 0
        else:
            member[c] = True
        prev = c
        i += 1
        if i < n and pat[i] == 0x5D:
            break
    allowed = [x for x in range(1, 256) if member[x] != negate and x != 0x2F]  # never "/"
    if not allowed:
        return rb"(?!)", i + 1
    return b"[" + b"".join(re.escape(bytes([x])) for x in allowed) + b"]", i + 1


def _translate(pat: bytes) -> bytes | None:
    """Translate an rsync wildcard pattern to a regex (None: the pattern never matches)."""
    out, i, n = [], 0, len(pat)
    while i < n:
        c = pat[i]
        if c == 0x5C:  # "\x" is a literal x; a trailing lone backslash never matches
            if i + 1 >= n:
                return None
            out.append(re.escape(pat[i + 1:i + 2]))
            i += 2
        elif c == 0x2A:
            j = i
            while j < n and pat[j] == 0x2A:
                j += 1
            out.append(rb".*" if j - i > 1 else rb"[^/]*")  # "**" crosses "/", "*" does not
            i = j
        elif c == 0x3F:
            out.append(rb"[^/]")
            i += 1
        elif c == 0x5B:
            cls = _translate_class(pat, i + 1)
            if cls is None:
                return None
            out.append(cls[0])
            i = cls[1]
        else:
            out.append(re.escape(pat[i:i + 1]))
            i += 1
    return b"".join(out)


def _compile_rule(include: bool, pat: bytes) -> _Rule:
    """Compile one rule the way rsync's exclude.c (add_rule/rule_matches) interprets it."""
    dir_only = len(pat) > 1 and pat.endswith(b"/")
    if dir_only:
        pat = pat[:-1]
    wild = any(c in pat for c in b"*?[")  # without wildcards, backslashes are literal
    wild2 = wild and b"**" in pat
    name_only = b"/" not in pat and not wild2
    slash_prefix = wild2 and pat.startswith(b"**")
    dir_suffix = wild2 and pat.endswith(b"***")
    anchored = pat.startswith(b"/")
    body = _translate(pat[anchored:]) if wild else re.escape(pat[anchored:])
    tail = 0
    if body is None:
        return _Rule(include, dir_only, name_only, slash_prefix, dir_suffix, tail, _NEVER)
    if wild and not (anchored or name_only or wild2):
        # rsync matches the last (number of "/" + 1) elements, counting a "/" inside [...] too.
        tail = pat.count(b"/") + 1
    elif not (anchored or name_only or slash_prefix):
        # Unanchored path pattern: may match starting at any folder boundary.
        body = rb"(?:.*/)?(?:" + body + rb")"
    return _Rule(include, dir_only, name_only, slash_prefix, dir_suffix, tail,
                 re.compile(body, re.DOTALL).fullmatch)


def _last_elements(text: bytes, count: int) -> bytes | None:
    """rsync's trailing_N_elements(): the last count "/"-separated elements, None if fewer."""
    pos = len(text)
    for i in range(count):
        pos = text.rfind(b"/", 0, pos)
        if pos < 0:
            return text if i == count - 1 else None
    return text[pos + 1:]


def _excluded(rules: Sequence[_Rule], path: bytes, name: bytes, is_dir: bool) -> bool:
    """First matching rule decides; no match means included."""
    for rule in rules:
        if rule.dir_only and not is_dir:
            continue
        text = name if rule.name_only else path
        if rule.slash_prefix:
            text = b"/" + text
        if rule.dir_suffix and is_dir:
            text += b"/"
        if rule.tail:
            text = _last_elements(text, rule.tail)
            if text is None:
                continue
        if rule.match(text):
            return not rule.include
    return False


# ---------------------------------------------------------------- arguments

def _parse(argv: Sequence[str | os.PathLike]) -> tuple[set[str], list[_Rule], list[bytes]]:
    args = [os.fspath(a) for a in argv]
    if not args or os.path.basename(os.fsdecode(args[0])) != "rsync":
        raise ToolchainError(f"not an rsync command line: {args[:1]}")
    flags: set[str] = set()
    rules: list[_Rule] = []
    operands: list[bytes] = []
    it = iter(args[1:])
    for arg in it:
        text = os.fsdecode(arg)
        if text == "--":  # like rsync (popt), options may follow operands until "--"
            operands.extend(os.fsencode(a) for a in it)
        elif text.startswith("--"):
            name, eq, value = text.partition("=")
            if name in ("--include", "--exclude"):
                if not eq:
                    value = next(it, None)
                    if value is None:
                        raise ToolchainError(f"rsync option {name} needs a pattern")
                _add_rule(rules, name == "--include", os.fsencode(value))
            elif name in _LONG_FLAGS and not eq:
                if _LONG_FLAGS[name]:
                    flags.add(_LONG_FLAGS[name])
            else:
                raise UnsupportedOption(name)
        elif text.startswith("-") and text != "-":
            for letter in text[1:]:
                if letter not in _FLAGS:
                    raise UnsupportedOption(f"-{letter}")
                if _FLAGS[letter]:
                    flags.add(_FLAGS[letter])
        else:
            operands.append(os.fsencode(arg))
    if len(operands) < 2:
        raise ToolchainError(f"rsync needs at least one source and a destination, got {len(operands)} path(s)")
    for op in operands:
        head = op.split(b"/", 1)[0]
        if b":" in head or op.startswith(b"rsync://"):  # rsync would treat it as remote
            raise UnsupportedOption(os.fsdecode(op), f"remote rsync path {os.fsdecode(op)} is not supported "
                                                     f"by the built-in rsync and rsync is not installed")
    return flags, rules, operands


def _add_rule(rules: list[_Rule], include: bool, pat: bytes) -> None:
    # --include/--exclude accept the old-style "+ "/"- " prefixes and "!" (clear the list).
    if pat == b"!":
        rules.clear()
        return
    if pat[:2] in (b"+ ", b"- "):
        if len(pat) == 2:
            raise ToolchainError(f"rsync: unexpected end of filter rule: {os.fsdecode(pat)}")
        include, pat = pat[:1] == b"+", pat[2:]
    if pat:  # an empty pattern is ignored
        rules.append(_compile_rule(include, pat))


# ---------------------------------------------------------------- copying

class _Copier:
    def __init__(self, flags: set[str], rules: list[_Rule]):
        self.recursive = "recursive" in flags
        self.links = "links" in flags
        self.perms = "perms" in flags
        self.rules = rules

    # The source side: one merged listing per destination folder.
    def merge(self, merged: dict[bytes, list], name: bytes, st: os.stat_result, path: bytes) -> None:
        """Add a source entry like rsync's file-list dedup: first source wins, but a
        directory beats a non-directory and same-named directories are merged."""
        prev = merged.get(name)
        if prev is None:
            merged[name] = [st, path]
        elif stat.S_ISDIR(st.st_mode):
            if stat.S_ISDIR(prev[0].st_mode):
                prev.append(path)
            else:
                merged[name] = [st, path]

    def scan(self, merged: dict[bytes, list], src: bytes, rel: bytes) -> None:
        with os.scandir(src) as it:
            for entry in it:
                name = entry.name
                is_dir = entry.is_dir(follow_symlinks=False)
                if self.rules and _excluded(self.rules, rel + name, name, is_dir):
                    continue  # an excluded folder is never descended into
                self.merge(merged, name, entry.stat(follow_symlinks=False), entry.path)

    def is_empty(self, src: bytes, rel: bytes) -> bool:
        merged: dict[bytes, list] = {}
        self.scan(merged, src, _prefix(rel))
        return not merged

    # The destination side.
    def fill(self, merged: dict[bytes, list], rel: bytes, dst: bytes, existed: bool) -> None:
        for name, (st, *paths) in merged.items():
            target = os.path.join(dst, name)
            self.put(paths, st, rel + name, target, _lstat(target) if existed else None)

    def put(self, paths: list[bytes], st: os.stat_result, rel: bytes, dst: bytes,
            ex: os.stat_result | None) -> None:
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            self.put_dir(paths, st, rel, dst, ex)
        elif stat.S_ISREG(mode):
            self.put_file(paths[0], st, dst, ex)
        elif stat.S_ISLNK(mode) and self.links:
            self.put_link(paths[0], dst, ex)
        # else: rsync says "skipping non-regular file" (symlinks without -l, fifos, devices)

    def put_dir(self, paths: list[bytes], st: os.stat_result, rel: bytes, dst: bytes,
                ex: os.stat_result | None) -> None:
        merged: dict[bytes, list] = {}
        for src in paths:  # list sources before creating dst, in case dst is inside a source
            self.scan(merged, src, _prefix(rel))
        if ex is not None and not stat.S_ISDIR(ex.st_mode):
            self.remove(dst, ex)
            ex = None
        if ex is None:
            # New dir: source perms masked by the umask (the kernel applies it, and keeps an
            # inherited setgid bit, as rsync does); -p fixes the bits below.
            os.mkdir(dst, stat.S_IMODE(st.st_mode) & 0o777)
        self.fill_dir(merged, _prefix(rel), dst, ex is not None, st)

    def fill_dir(self, merged: dict[bytes, list], rel: bytes, dst: bytes, existed: bool,
                 st: os.stat_result | None) -> None:
        """Fill dst, then give it its final permissions (rsync also sets them last)."""
        restore = None
        if merged:
            current = stat.S_IMODE(os.lstat(dst).st_mode)
            if current & 0o700 != 0o700:  # e.g. a 0555 folder: keep it writable meanwhile
                os.chmod(dst, current | 0o700)
                restore = current
        self.fill(merged, rel, dst, existed)
        if self.perms and st is not None:
            os.chmod(dst, stat.S_IMODE(st.st_mode))
        elif restore is not None:
            os.chmod(dst, restore)

    def put_file(self, src: bytes, st: os.stat_result, dst: bytes, ex: os.stat_result | None) -> None:
        if ex is not None and stat.S_ISREG(ex.st_mode):
            if ex.st_size == st.st_size and ex.st_mtime_ns == st.st_mtime_ns:
                # rsync's quick check: same size and mtime means unchanged, data not copied.
                if self.perms and stat.S_IMODE(ex.st_mode) != stat.S_IMODE(st.st_mode):
                    os.chmod(dst, stat.S_IMODE(st.st_mode))
                return
            # Existing files keep their permissions without -p.  Write a temp file and rename
            # it over, like rsync: works on read-only files and never writes through links.
            mode = stat.S_IMODE((st if self.perms else ex).st_mode)
            fd, tmp = tempfile.mkstemp(prefix=b"." + os.path.basename(dst)[:200] + b".", dir=os.path.dirname(dst))
            try:
                _copy_data(src, fd)
                os.fchmod(fd, mode)
            except BaseException:
                os.close(fd)
                os.unlink(tmp)
                raise
            os.close(fd)
            os.replace(tmp, dst)
            return
        if ex is not None:
            self.remove(dst, ex)
        # New file: source perms masked by the umask, which the kernel applies to os.open.
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, stat.S_IMODE(st.st_mode) & 0o777)
        try:
            _copy_data(src, fd)
            if self.perms:  # after writing: writing clears setuid/setgid
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
        finally:
            os.close(fd)

    def put_link(self, src: bytes, dst: bytes, ex: os.stat_result | None) -> None:
        target = os.readlink(src)  # recreated verbatim, never followed
        if ex is not None:
            if stat.S_ISLNK(ex.st_mode) and os.readlink(dst) == target:
                return
            self.remove(dst, ex)
        os.symlink(target, dst)

    @staticmethod
    def remove(dst: bytes, ex: os.stat_result) -> None:
        """Make way for an entry of another type (rsync only deletes empty folders here)."""
        if not stat.S_ISDIR(ex.st_mode):
            os.unlink(dst)
            return
        try:
            os.rmdir(dst)
        except OSError as e:
            if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise ToolchainError(f"rsync: cannot delete non-empty directory {os.fsdecode(dst)}") from None
            raise


def _prefix(rel: bytes) -> bytes:
    """Children's path prefix for the folder at rel (b"" is the transfer root)."""
    return rel + b"/" if rel else b""


def _lstat(path: bytes) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _copy_data(src: bytes, fd: int) -> None:
    sfd = os.open(src, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            while os.sendfile(fd, sfd, None, 1 << 30):
                pass
        except OSError as e:
            if e.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
                raise
            os.lseek(sfd, 0, os.SEEK_SET)
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            while chunk := os.read(sfd, 1 << 20):
                os.write(fd, chunk)
    finally:
        os.close(sfd)


def run(argv: Sequence[str], cwd: str | os.PathLike | None = None) -> None:
    """Do what ``rsync argv[1:]`` would do, run from ``cwd`` (default: the process cwd).

    Raises UnsupportedOption for options outside the emulated subset, ToolchainError for
    errors real rsync would report (missing source, impossible destination, ...).
    """
    flags, rules, operands = _parse(argv)
    copier = _Copier(flags, rules)
    base = os.fsencode(os.fspath(cwd)) if cwd is not None else os.getcwdb()
    *sources, dest_arg = operands

    # The top-level file list: b"." stands for "the contents of" (a "src/", "." or ".." source).
    top: list[tuple[bytes, os.stat_result, bytes]] = []
    for arg in sources:
        path = os.path.join(base, arg)
        stripped = arg.rstrip(b"/")
        name = os.path.basename(stripped)
        contents = arg.endswith(b"/") or name in (b"", b".", b"..")
        try:
            st = os.stat(path) if contents else os.lstat(path)  # a trailing slash follows a link
        except FileNotFoundError:
            raise ToolchainError(f"rsync: source {os.fsdecode(arg)} does not exist") from None
        except OSError as e:
            raise ToolchainError(f"rsync: cannot read source {os.fsdecode(arg)}: {e.strerror}") from None
        is_dir = stat.S_ISDIR(st.st_mode)
        if not is_dir and contents:
            raise ToolchainError(f"rsync: source {os.fsdecode(arg)} is not a directory")
        if is_dir and not copier.recursive:
            continue  # rsync: "skipping directory"
        if contents:
            top.append((b".", st, path))
        elif not (rules and _excluded(rules, name, name, is_dir)):
            top.append((name, st, path))

    dest = os.path.join(base, dest_arg)
    to_dir = dest_arg.endswith(b"/")
    try:
        try:
            dest_st: os.stat_result | None = os.stat(dest)
        except FileNotFoundError:
            dest_st = None
        if dest_st is None or not stat.S_ISDIR(dest_st.st_mode):
            # rsync counts the items to copy (and, for a lone folder, the items in it): a single
            # item, even an empty folder, is copied *as* the destination; nothing creates nothing.
            first_is_dir = bool(top) and stat.S_ISDIR(top[0][1].st_mode)
            if dest_st is not None and len(top) > 1:
                raise ToolchainError(f"rsync: destination {os.fsdecode(dest_arg)} must be a directory when copying "
                                     "more than 1 file")
            if dest_st is not None and first_is_dir:
                raise ToolchainError(f"rsync: cannot overwrite non-directory {os.fsdecode(dest_arg)} with a "
                                     "directory")
            if not top and not to_dir:
                return
            if len(top) == 1 and not to_dir:
                name, st, path = top[0]
                rel = b"" if name == b"." else name
                if not first_is_dir or copier.is_empty(path, rel):
                    copier.put([path], st, rel, dest, _lstat(dest))
                    return

        merged: dict[bytes, list] = {}
        dot: os.stat_result | None = None  # the first "contents of" source gives dest its perms
        for name, st, path in top:
            if name == b".":
                dot = dot or st
                copier.scan(merged, path, b"")
            else:
                copier.merge(merged, name, st, path)
        existed = dest_st is not None
        if not existed:
            # rsync creates one level only; for "src/" the new dest gets src's masked perms.
            try:
                os.mkdir(dest, stat.S_IMODE(dot.st_mode) & 0o777 if dot else 0o777)
            except FileNotFoundError:
                raise ToolchainError(f"rsync: cannot create the destination {os.fsdecode(dest_arg)}: its parent "
                                     "folder does not exist") from None
        copier.fill_dir(merged, b"", dest, existed, dot)
    except OSError as e:
        where = e.filename if e.filename is not None else dest
        raise ToolchainError(f"rsync: {os.fsdecode(where)}: {e.strerror}") from None
