"""pkgs.db rules (contract section 5): what provd's loader refuses, and what would fail at install.

The file is read exactly as provd reads it (``RawConfigParser`` defaults, strict about
repeated sections and options), then each section is checked by kind. Findings name
the line of the section or option they are about.
"""
from __future__ import annotations

import configparser
import os
import posixpath
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from repo.validation.findings import WARNING, Finding, decode_text, error, warning

PKGS_DB = "pkgs/pkgs.db"
# Filter name -> (least, most) arguments; None: no upper bound.
FILTERS = {
    "untar": (1, 1), "unzip": (1, 1), "unrar": (1, 1), "7z": (1, 1), "unsign": (2, 2),
    "exclude": (1, None), "include": (1, None), "cp": (2, None), "null": (0, 0),
}
PKG_REQUIRED = ("description", "version", "files", "install")
PKG_OPTIONS = (*PKG_REQUIRED, "depends")
FILE_REQUIRED = ("url", "size", "sha1sum")
FILE_OPTIONS = (*FILE_REQUIRED, "filename", "downloader")
DOWNLOADERS = ("default", "auth")
URL_SCHEMES = ("http", "https", "ftp")  # what fetchfw's urllib downloads
INPUT_NODE = "a"
_VARIABLE = re.compile(r"\$(FILE|ARG)([0-9]+)")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
_SIZE = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class RemoteFile:
    """A well-formed ``[file_<id>]`` section: what provd downloads, and what it must be."""

    file_id: str
    filename: str
    size: int
    sha1sum: str
    line: int | None


@dataclass(frozen=True)
class PkgsDb:
    files: tuple[RemoteFile, ...]


def check_pkgs_db(data: str | bytes, path: str | os.PathLike) -> tuple[PkgsDb | None, list[Finding]]:
    """Check a pkgs.db text; return its remote files (None if provd could not parse it) and the findings."""
    data, undecodable = decode_text(data, path)
    if data is None:
        return None, undecodable
    config = configparser.RawConfigParser()  # provd's own settings: strict, no interpolation
    try:
        config.read_string(data, source=os.fspath(path))
    except configparser.Error as exc:
        return None, _parse_errors(exc, data.split("\n"), path)
    return _Checker(config, data, path).run()


def _parse_errors(exc: configparser.Error, lines: list[str], path: str | os.PathLike) -> list[Finding]:
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return [error(path, f"{exc.line.strip()!r} comes before any [section] header", exc.lineno)]
    if isinstance(exc, configparser.ParsingError):
        return [error(path, f"cannot parse {lines[lineno - 1].strip()!r} (neither [section], option: value "
                            "nor option = value)", lineno)
                for lineno, _ in exc.errors]
    if isinstance(exc, configparser.DuplicateSectionError):
        return [error(path, f"section [{exc.section}] appears twice (provd refuses the file)", exc.lineno)]
    if isinstance(exc, configparser.DuplicateOptionError):
        return [error(path, f"option {exc.option!r} appears twice in [{exc.section}] (provd refuses the file)",
                      exc.lineno)]
    return [error(path, f"cannot parse: {exc.message}")]


def _locations(text: str) -> dict[tuple[str, str | None], int]:
    """Line of each section header and option, found with configparser's own patterns."""
    found: dict[tuple[str, str | None], int] = {}
    section = None
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or line[0].isspace():
            continue  # blank, comment, or the continuation of a value
        header = configparser.RawConfigParser.SECTCRE.match(stripped)
        if header:
            section = header.group("header")
            found.setdefault((section, None), number)
            continue
        option = configparser.RawConfigParser.OPTCRE.match(stripped)
        if option and section is not None:
            found.setdefault((section, option.group("option").rstrip().lower()), number)
    return found


class _Checker:
    def __init__(self, config: configparser.RawConfigParser, text: str, path: str | os.PathLike):
        self.path = path
        self.findings: list[Finding] = []
        self._locations = _locations(text)
        self.sections: dict[str, dict[str, dict[str, str]]] = {"pkg": {}, "file": {}, "install": {}}
        for section in config.sections():
            kind, underscore, ident = section.partition("_")
            if kind in self.sections and underscore:
                self.sections[kind][ident] = dict(config.items(section))
            else:
                self.fail(f"[{section}] is not a pkg_, file_ or install_ section (provd refuses the whole file)",
                          section)

    def line(self, section: str, option: str | None = None) -> int | None:
        return self._locations.get((section, option)) or self._locations.get((section, None))

    def fail(self, message: str, section: str, option: str | None = None) -> None:
        self.findings.append(error(self.path, message, self.line(section, option)))

    def warn(self, message: str, section: str, option: str | None = None) -> None:
        self.findings.append(warning(self.path, message, self.line(section, option)))

    def run(self) -> tuple[PkgsDb, list[Finding]]:
        files = tuple(f for f in (self._file(i, o) for i, o in self.sections["file"].items()) if f is not None)
        used_files = {f for options in self.sections["pkg"].values() for f in options.get("files", "").split()}
        used_installs = {i for options in self.sections["pkg"].values() for i in options.get("install", "").split()[:1]}
        installs = {}
        for install_id, options in self.sections["install"].items():
            first = len(self.findings)
            installs[install_id] = self._install(install_id, options)
            if install_id not in used_installs:  # fetchfw builds only the graphs a pkg uses
                self.findings[first:] = [replace(f, severity=WARNING) for f in self.findings[first:]]
        for pkg_id, options in self.sections["pkg"].items():
            self._pkg(pkg_id, options, installs)
        for kind, used in (("file", used_files), ("install", used_installs)):
            for ident in sorted(set(self.sections[kind]) - used):
                self.warn(f"[{kind}_{ident}] is not used by any pkg section", f"{kind}_{ident}")
        return PkgsDb(files), self.findings

    def _unknown_options(self, section: str, options: dict[str, str], known: tuple[str, ...]) -> None:
        for option in options:
            if option not in known and not (section.startswith("pkg_") and option.startswith("description_")):
                self.warn(f"unknown option {option!r} in [{section}] (known: {', '.join(known)})", section, option)

    def _pkg(self, pkg_id: str, options: dict[str, str], installs: dict[str, dict[str, set[int]]]) -> None:
        section = f"pkg_{pkg_id}"
        for option in PKG_REQUIRED:
            if option not in options:
                self.fail(f"[{section}] lacks the required option {option!r}", section)
        if "id" in options:
            self.fail(f"option 'id' is forbidden in [{section}] (provd sets it from the section name)", section, "id")
        self._unknown_options(section, {o: v for o, v in options.items() if o != "id"}, PKG_OPTIONS)
        files = options.get("files", "").split()
        for file_id in files:
            if file_id not in self.sections["file"]:
                self.fail(f"[{section}] lists file {file_id!r} but there is no [file_{file_id}] section",
                          section, "files")
        for dependency in options.get("depends", "").split():
            if dependency not in self.sections["pkg"]:
                self.fail(f"[{section}] depends on {dependency!r} but there is no [pkg_{dependency}] section",
                          section, "depends")
        if "install" not in options:
            return
        install_id, *arguments = options["install"].split() or [""]
        if not install_id:
            self.fail(f"[{section}] has an empty install option (give an install id)", section, "install")
        elif install_id not in installs:
            self.fail(f"[{section}] installs with {install_id!r} but there is no [install_{install_id}] section",
                      section, "install")
        else:
            for kind, available, noun in (("FILE", len(files), "file"), ("ARG", len(arguments), "argument")):
                for number in sorted(n for n in installs[install_id][kind] if n > available):
                    self.fail(f"[install_{install_id}] uses ${kind}{number} but [{section}] gives "
                              f"{available} {noun}{'' if available == 1 else 's'}", section, "install")

    def _file(self, file_id: str, options: dict[str, str]) -> RemoteFile | None:
        section = f"file_{file_id}"
        well_formed = True
        for option in FILE_REQUIRED:
            if option not in options:
                self.fail(f"[{section}] lacks the required option {option!r}", section)
                well_formed = False
        self._unknown_options(section, options, FILE_OPTIONS)
        url, size, sha1sum = (options.get(o) for o in FILE_REQUIRED)
        if url is not None and not _is_http_url(url):
            self.fail(f"url {url!r} is not an http://, https:// or ftp:// URL (provd cannot download it)", section,
                      "url")
            well_formed = False
        if size is not None and not _SIZE.fullmatch(size):
            self.fail(f"size {size!r} is not a whole number of bytes", section, "size")
            well_formed = False
        if sha1sum is not None and not _SHA1.fullmatch(sha1sum):
            self.fail(f"sha1sum {sha1sum!r} is not 40 hexadecimal digits", section, "sha1sum")
            well_formed = False
        downloader = options.get("downloader", "default")
        if downloader not in DOWNLOADERS:
            self.fail(f"downloader {downloader!r} is not one of {', '.join(DOWNLOADERS)}", section, "downloader")
        filename = options.get("filename")
        if filename is not None:
            if not _is_plain_name(filename):
                self.fail(f"filename {filename!r} must be a plain file name (no '/', not '.' or '..')",
                          section, "filename")
                well_formed = False
        elif well_formed:
            filename = posixpath.basename(urlsplit(url).path)
            if not _is_plain_name(filename):
                self.fail(f"cannot take a file name from url {url!r}: add a filename option", section, "url")
                well_formed = False
        if not well_formed:
            return None
        return RemoteFile(file_id, filename, int(size), sha1sum.lower(), self.line(section))

    def _install(self, install_id: str, options: dict[str, str]) -> dict[str, set[int]]:
        """Check an install graph; return the $FILEn and $ARGn numbers it uses."""
        section = f"install_{install_id}"
        source_of: dict[str, str] = {}  # destination -> source; edges may come in any order
        used: dict[str, set[int]] = {"FILE": set(), "ARG": set()}
        for edge, command in options.items():
            source, dash, destination = edge.partition("-")
            if not dash or not source or not destination or "-" in destination:
                self.fail(f"{edge!r} is not an edge <source>-<destination> (e.g. a-b)", section, edge)
                continue
            if destination == INPUT_NODE:
                self.fail(f"{edge!r}: node {INPUT_NODE!r} is the input, it can never be a destination", section, edge)
            elif destination in source_of:
                self.fail(f"{edge!r}: node {destination!r} is already the destination of another edge", section, edge)
            else:
                source_of[destination] = source
            self._filter(section, edge, command.split(), used)
        for destination, source in source_of.items():
            edge = f"{source}-{destination}"
            if source != INPUT_NODE and source not in source_of:
                self.fail(f"{edge!r}: source node {source!r} is neither {INPUT_NODE!r} nor the destination of an "
                          "edge", section, edge)
            elif _in_cycle(destination, source_of):
                self.fail(f"{edge!r} is part of a cycle of edges (the install graph must lead back to "
                          f"{INPUT_NODE!r})", section, edge)
        return used

    def _filter(self, section: str, edge: str, words: list[str], used: dict[str, set[int]]) -> None:
        if not words:
            self.fail(f"{edge!r} has no filter command (known: {', '.join(FILTERS)})", section, edge)
            return
        name, arguments = words[0], words[1:]
        if name not in FILTERS:
            self.fail(f"{edge!r}: unknown filter {name!r} (known: {', '.join(FILTERS)})", section, edge)
        else:
            least, most = FILTERS[name]
            if len(arguments) < least or most is not None and len(arguments) > most:
                wanted = str(least) if least == most else f"at least {least}"
                self.fail(f"{edge!r}: filter {name} takes {wanted} argument{'' if wanted == '1' else 's'}, "
                          f"got {len(arguments)}", section, edge)
        for argument in arguments:
            for kind, number in _VARIABLE.findall(argument):
                if int(number) == 0:
                    self.fail(f"{edge!r}: ${kind}0 does not exist (numbering starts at 1)", section, edge)
                used[kind].add(int(number))


def _in_cycle(node: str, source_of: dict[str, str]) -> bool:
    """Whether walking from ``node`` to its sources comes back to it instead of reaching the input."""
    seen = set()
    while node in source_of and node not in seen:
        seen.add(node)
        node = source_of[node]
    return node in seen


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in URL_SCHEMES and bool(parts.hostname) and not any(c.isspace() for c in url)


def _is_plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and name not in (".", "..")
