"""pkgs.db rules (contract section 5), judged the way fetchfw reads the file.

provd's FetchfwPluginHelper builds every file and pkg section, and the install graph
of every install section a pkg uses, when it loads the plugin: anything refused there
makes the plugin unloadable (an error). A download that can never succeed, or an
install writing outside its folder, is an error too. Everything else fetchfw
tolerates is at most a warning. Findings name the line of the section or option.
"""
from __future__ import annotations

import configparser
import os
import posixpath
import re
import string
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from repo.validation.findings import ERROR, Finding, decode_text
from repo.validation.rules import RULES, finding

PKGS_DB = "pkgs/pkgs.db"
# Filter name -> (least, most) arguments; None: no upper bound.
FILTERS = {
    "untar": (1, 1), "unzip": (1, 1), "unrar": (1, 1), "7z": (1, 1), "unsign": (2, 2),
    "exclude": (1, None), "include": (1, None), "cp": (2, None), "null": (0, 0),
}
# Filters whose arguments are paths fetchfw resolves inside the install folders
# (exclude/include take patterns that are only matched).
PATH_FILTERS = ("untar", "unzip", "unrar", "7z", "unsign", "cp")
PKG_REQUIRED = ("description", "version")  # fetchfw's mandatory keys besides the id
PKG_OPTIONS = (*PKG_REQUIRED, "files", "install", "depends")
FILE_REQUIRED = ("url", "size", "sha1sum")
FILE_OPTIONS = (*FILE_REQUIRED, "filename", "downloader")
DOWNLOADERS = ("default", "auth")
URL_SCHEMES = ("http", "https", "ftp")  # what urllib downloads (file: and data: would not be firmware)
SECTION_KINDS = ("pkg", "file", "install")
MAX_FINDINGS = 1000  # findings kept per pkgs.db; the rest are only counted
INPUT_NODE = "a"
SHA1_DIGITS = 40
MD5_DIGITS = 32
# fetchfw's substitution syntax: $NAME or ${NAME}, "\$" escapes.
_VARIABLE = re.compile(r"(?<!\\)\$(?:{(\w*)}|(\w*))")
_NUMBERED = re.compile(r"(FILE|ARG)([1-9][0-9]*)")


@dataclass(frozen=True)
class RemoteFile:
    """A ``[file_<id>]`` section fetchfw can build: the file provd downloads, or the operator supplies."""

    file_id: str
    filename: str
    size: int
    sha1sum: str | None  # lowercase; None when it is not 40 hex digits (already reported)
    line: int | None
    url: str = ""  # empty: a file the operator puts in provd's cache by hand

    @property
    def supplied(self) -> bool:
        return not self.url


@dataclass(frozen=True)
class PkgsDb:
    files: tuple[RemoteFile, ...]


@dataclass
class _Edge:
    name: str
    filter: str
    arguments: list[str]


@dataclass
class _Graph:
    """An install section as a pkg uses it: its edges and the $FILEn / $ARGn numbers they need."""

    edges: list[_Edge] = field(default_factory=list)
    needs: dict[str, int] = field(default_factory=lambda: {"FILE": 0, "ARG": 0})


def check_pkgs_db(data: str | bytes, path: str | os.PathLike) -> tuple[PkgsDb | None, list[Finding]]:
    """Check a pkgs.db text; return its remote files (None if provd could not parse it) and the findings."""
    text, undecodable = decode_text(data, path)
    if text is None:
        return None, [finding("pkgs-syntax", f.path, f.message, f.line) for f in undecodable]
    config, findings = _read(text, path)
    if config is None:
        return None, findings
    return _Checker(config, text, path).run()


def check_ini_syntax(data: bytes, path: str | os.PathLike) -> list[Finding]:
    """Whether fetchfw can read a file of pkgs/ at all (it merges every file of the folder)."""
    text, undecodable = decode_text(data, path)
    if text is None:
        return [finding("pkgs-syntax", f.path, f.message, f.line) for f in undecodable]
    return _read(text, path)[1]


def _read(text: str, path: str | os.PathLike) -> tuple[configparser.RawConfigParser | None, list[Finding]]:
    """Read a text as fetchfw does (``RawConfigParser`` defaults: strict, no interpolation)."""
    config = configparser.RawConfigParser()
    try:
        config.read_string(text, source=os.fspath(path))
    except configparser.Error as exc:
        return None, _parse_errors(exc, text.split("\n"), path)
    return config, []


def _parse_errors(exc: configparser.Error, lines: list[str], path: str | os.PathLike) -> list[Finding]:
    def syntax(message: str, line: int | None = None) -> Finding:
        return finding("pkgs-syntax", path, message, line)
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return [syntax(f"{exc.line.strip()!r} comes before any [section] header", exc.lineno)]
    if isinstance(exc, configparser.ParsingError):
        return [syntax(f"cannot parse {lines[lineno - 1].strip()!r} (neither [section], option: value "
                       "nor option = value)", lineno)
                for lineno, _ in exc.errors]
    if isinstance(exc, configparser.DuplicateSectionError):
        return [syntax(f"section [{exc.section}] appears twice (provd refuses the file)", exc.lineno)]
    if isinstance(exc, configparser.DuplicateOptionError):
        return [syntax(f"option {exc.option!r} appears twice in [{exc.section}] (provd refuses the file)",
                       exc.lineno)]
    return [syntax(f"cannot parse: {exc.message}")]


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
        self.unlisted: dict[str, int] = {}  # rule code -> problems beyond MAX_FINDINGS
        self._locations = _locations(text)
        self.sections: dict[str, dict[str, dict[str, str]]] = {kind: {} for kind in SECTION_KINDS}
        for section in config.sections():
            kind, _, ident = section.partition("_")
            if kind in SECTION_KINDS and section.startswith(kind + "_"):
                self.sections[kind][ident] = dict(config.items(section))
            else:
                self.report("pkgs-section", f"[{section}] is not a pkg_, file_ or install_ section "
                                            "(fetchfw refuses the whole file)", section)

    def line(self, section: str, option: str | None = None) -> int | None:
        return self._locations.get((section, option)) or self._locations.get((section, None))

    def report(self, code: str, message: str, section: str, option: str | None = None) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding(code, self.path, message, self.line(section, option)))
        else:  # counted only: one hostile line can hold a million problems
            self.unlisted[code] = self.unlisted.get(code, 0) + 1

    def run(self) -> tuple[PkgsDb, list[Finding]]:
        files = {i: f for i, f in ((i, self._file(i, o)) for i, o in self.sections["file"].items()) if f}
        self._same_file_names(files.values())
        pkgs = self.sections["pkg"]
        used_files = {f for options in pkgs.values() for f in options.get("files", "").split()}
        used_installs = {i for options in pkgs.values() for i in options.get("install", "").split()[:1]}
        # fetchfw builds an install graph only for a pkg that uses it: an unused one is never read.
        graphs = {i: self._install(i, o) for i, o in self.sections["install"].items() if i in used_installs}
        for pkg_id, options in pkgs.items():
            self._pkg(pkg_id, options, files, graphs)
        for kind, used in (("file", used_files), ("install", used_installs)):
            for ident in sorted(set(self.sections[kind]) - used):
                self.report("unused-section", f"[{kind}_{ident}] is not used by any pkg section", f"{kind}_{ident}")
        if self.unlisted:
            worst = max(self.unlisted, key=lambda code: RULES[code].severity == ERROR)
            self.findings.append(finding(worst, self.path, f"and {sum(self.unlisted.values())} "
                                         f"more problems in {os.fspath(self.path)} (not listed)"))
        return PkgsDb(tuple(files.values())), self.findings

    def _unknown_options(self, section: str, options: dict[str, str], known: tuple[str, ...]) -> None:
        for option in options:
            if option not in known and not (section.startswith("pkg_") and option.startswith("description_")):
                self.report("unknown-option", f"unknown option {option!r} in [{section}] (known: {', '.join(known)})",
                            section, option)

    # --- [pkg_*] ---------------------------------------------------------------------------

    def _pkg(self, pkg_id: str, options: dict[str, str], files: dict[str, RemoteFile],
             graphs: dict[str, _Graph]) -> None:
        section = f"pkg_{pkg_id}"
        for option in PKG_REQUIRED:
            if option not in options:
                self.report("pkg-option", f"[{section}] lacks the required option {option!r}", section)
        if "id" in options:
            self.report("pkg-option", f"option 'id' is forbidden in [{section}] (provd sets it from the section "
                                      "name)", section, "id")
        self._unknown_options(section, {o: v for o, v in options.items() if o != "id"}, PKG_OPTIONS)
        file_ids = options.get("files", "").split()
        for file_id in file_ids:
            if file_id not in self.sections["file"]:
                self.report("pkg-reference", f"[{section}] lists file {file_id!r} but there is no [file_{file_id}] "
                                             "section", section, "files")
        for dependency in options.get("depends", "").split():
            if dependency not in self.sections["pkg"]:
                self.report("pkg-reference", f"[{section}] depends on {dependency!r} but there is no "
                                             f"[pkg_{dependency}] section (installing it fails)", section, "depends")
        if "install" not in options:
            if file_ids:
                self.report("pkg-no-install", f"[{section}] has files but no install option: they are downloaded, "
                                              "never installed", section, "files")
            return
        install_id, *arguments = options["install"].split() or [""]
        if not install_id:
            self.report("pkg-reference", f"[{section}] has an empty install option (give an install id)",
                        section, "install")
        elif install_id not in self.sections["install"]:
            self.report("pkg-reference", f"[{section}] installs with {install_id!r} but there is no "
                                         f"[install_{install_id}] section", section, "install")
        else:
            values = {"FILE": [files[i].filename if i in files else None for i in file_ids], "ARG": arguments}
            self._pkg_uses_graph(section, install_id, graphs[install_id], values)

    def _pkg_uses_graph(self, section: str, install_id: str, graph: _Graph, values: dict[str, list]) -> None:
        complete = True
        for kind, noun in (("FILE", "file"), ("ARG", "argument")):
            given = len(values[kind])
            if graph.needs[kind] > given:
                complete = False
                self.report("pkg-reference", f"[install_{install_id}] uses ${kind}{graph.needs[kind]} but "
                                             f"[{section}] gives {given} {noun}{'' if given == 1 else 's'}",
                            section, "install")
        if not complete:
            return
        for edge in graph.edges:  # a path made unsafe by this pkg's arguments
            for argument in edge.arguments:
                expanded = _substitute(argument, values)
                if expanded is not None and not _literal_leaves(argument) and _leaves(expanded):
                    self.report("pkg-reference", f"[{section}] makes [install_{install_id}] {edge.name!r} use the "
                                                 f"path {expanded!r}, which leaves the install folder",
                                section, "install")

    # --- [file_*] --------------------------------------------------------------------------

    def _file(self, file_id: str, options: dict[str, str]) -> RemoteFile | None:
        section = f"file_{file_id}"
        missing = [option for option in FILE_REQUIRED if option not in options]
        for option in missing:
            self.report("file-option", f"[{section}] lacks the required option {option!r}", section)
        self._unknown_options(section, options, FILE_OPTIONS)
        downloader = options.get("downloader", "default")
        if downloader not in DOWNLOADERS:
            self.report("file-option", f"downloader {downloader!r} is not one of {', '.join(DOWNLOADERS)}",
                        section, "downloader")
        if missing:
            return None
        url, size, sha1sum = (options[o] for o in FILE_REQUIRED)
        supplied = url == ""
        well_formed = True
        if not supplied and not _is_download_url(url):
            self.report("file-url", f"url {url!r} is not an {', '.join(s + '://' for s in URL_SCHEMES)} URL with a "
                                    "host (provd cannot download it; leave it empty for a file the operator "
                                    "supplies)", section, "url")
            well_formed = False
        try:
            size_bytes = int(size)  # fetchfw: config.getint
        except ValueError:
            self.report("file-size", f"size {size!r} is not a whole number of bytes", section, "size")
            well_formed = False
        filename = self._filename(section, options, url)
        digest = self._sha1sum(section, sha1sum, supplied)
        if not well_formed or filename is None:
            return None
        return RemoteFile(file_id, filename, size_bytes, digest, self.line(section), url)

    def _filename(self, section: str, options: dict[str, str], url: str) -> str | None:
        if "filename" in options:
            filename = options["filename"]
            if not _is_plain_name(filename):
                self.report("file-name", f"filename {filename!r} must be a plain file name (no '/', not '.' or "
                                         "'..')", section, "filename")
                return None
            return filename
        if url == "":
            self.report("file-name", f"[{section}] has an empty url (a file the operator supplies) but no filename: "
                                     "give the name the file has in provd's cache", section, "url")
            return None
        filename = posixpath.basename(url)  # fetchfw: os.path.basename(url), query string included
        if not _is_plain_name(filename):
            self.report("file-name", f"cannot take a file name from url {url!r}: add a filename option", section,
                        "url")
            return None
        return filename

    def _sha1sum(self, section: str, sha1sum: str, supplied: bool) -> str | None:
        if not _is_hex(sha1sum):
            self.report("file-sha1sum", f"sha1sum {sha1sum!r} is not hexadecimal digits (fetchfw cannot read it: "
                                        "provd cannot load the plugin)", section, "sha1sum")
            return None
        if len(sha1sum) == SHA1_DIGITS:
            return sha1sum.lower()
        hint = " (an MD5?)" if len(sha1sum) == MD5_DIGITS else ""
        if supplied:
            self.report("supplied-file-sha1sum", f"sha1sum {sha1sum!r} has {len(sha1sum)} hex digits{hint}, not "
                                                 f"{SHA1_DIGITS}: provd never checks it on a file the operator "
                                                 "supplies, but it documents the file wrongly",
                        section, "sha1sum")
        else:
            self.report("file-sha1sum", f"sha1sum {sha1sum!r} has {len(sha1sum)} hex digits{hint}, not "
                                        f"{SHA1_DIGITS}: every download fails its SHA-1 check", section, "sha1sum")
        return None

    def _same_file_names(self, files) -> None:
        first: dict[str, RemoteFile] = {}
        for remote in files:
            other = first.setdefault(remote.filename, remote)
            if other is not remote:
                self.report("file-name", f"[file_{remote.file_id}] and [file_{other.file_id}] both name the file "
                                         f"{remote.filename!r} (fetchfw refuses two files with one path)",
                            f"file_{remote.file_id}")

    # --- [install_*] -----------------------------------------------------------------------

    def _install(self, install_id: str, options: dict[str, str]) -> _Graph:
        """Check an install graph as fetchfw builds it; return what a pkg must give it."""
        section = f"install_{install_id}"
        graph = _Graph()
        sources: dict[str, str] = {}  # destination -> source
        for edge_name, command in options.items():
            source, *rest = edge_name.split("-")
            if len(rest) != 1:
                self.report("install-graph", f"{edge_name!r} is not an edge <source>-<destination> (e.g. a-b)",
                            section, edge_name)
                continue
            destination = rest[0]
            if destination == INPUT_NODE:
                self.report("install-graph", f"{edge_name!r}: node {INPUT_NODE!r} is the input, it can never be a "
                                             "destination", section, edge_name)
            elif destination in sources:
                self.report("install-graph", f"{edge_name!r}: node {destination!r} is already the destination of "
                                             "another edge", section, edge_name)
            else:
                sources[destination] = source
            edge = self._edge(section, edge_name, command.split(), graph)
            if edge is not None:
                graph.edges.append(edge)
        self._graph_shape(section, sources)
        return graph

    def _graph_shape(self, section: str, sources: dict[str, str]) -> None:
        """fetchfw's InstallationManager checks: known sources, the input used, no cycle."""
        for destination, source in sources.items():
            if source != INPUT_NODE and source not in sources:
                self.report("install-graph", f"'{source}-{destination}': source node {source!r} is neither "
                                             f"{INPUT_NODE!r} nor the destination of an edge", section,
                            f"{source}-{destination}")
        if sources and INPUT_NODE not in sources.values():
            self.report("install-graph", f"no edge starts from the input node {INPUT_NODE!r}", section)
        elif not sources:
            self.report("install-graph", f"[{section}] has no edge (e.g. a-b: untar $FILE1)", section)
        for start in sources:
            seen, node = set(), start
            while node in sources and node not in seen:
                seen.add(node)
                node = sources[node]
            if node in seen and node == start:
                self.report("install-graph", f"the edges through node {start!r} form a cycle", section,
                            f"{sources[start]}-{start}")
                break

    def _edge(self, section: str, edge_name: str, words: list[str], graph: _Graph) -> _Edge | None:
        if not words:
            self.report("install-graph", f"{edge_name!r} has no filter command (known: {', '.join(FILTERS)})",
                        section, edge_name)
            return None
        name, arguments = words[0], words[1:]
        for argument in arguments:
            self._variables(section, edge_name, argument, graph)
        if name not in FILTERS:
            self.report("install-graph", f"{edge_name!r}: unknown filter {name!r} (known: {', '.join(FILTERS)})",
                        section, edge_name)
            return None
        least, most = FILTERS[name]
        if len(arguments) < least or most is not None and len(arguments) > most:
            wanted = str(least) if least == most else f"at least {least}"
            self.report("install-graph", f"{edge_name!r}: filter {name} takes {wanted} "
                                         f"argument{'' if wanted == '1' else 's'}, got {len(arguments)}",
                        section, edge_name)
            return None
        if name not in PATH_FILTERS:
            return _Edge(edge_name, name, [])
        for argument in arguments:
            if _literal_leaves(argument):
                self.report("install-graph", f"{edge_name!r}: path {argument!r} leaves the install folder "
                                             "(absolute, or going up with '..')", section, edge_name)
        return _Edge(edge_name, name, arguments)

    def _variables(self, section: str, edge_name: str, argument: str, graph: _Graph) -> None:
        for braced, plain in _VARIABLE.findall(argument):
            name = braced or plain
            numbered = _NUMBERED.fullmatch(name)
            if numbered:
                kind, number = numbered.groups()
                graph.needs[kind] = max(graph.needs[kind], int(number))
            elif not name:
                self.report("install-graph", f"{edge_name!r}: a '$' with no variable name in {argument!r} (write "
                                             "\\$ for a dollar sign)", section, edge_name)
            else:
                self.report("install-graph", f"{edge_name!r}: unknown variable ${name} (known: $FILE1..$FILEn, "
                                             "$ARG1..$ARGn, numbered from 1)", section, edge_name)


def _substitute(argument: str, values: dict[str, list]) -> str | None:
    """``argument`` with a pkg's $FILEn/$ARGn put in; None when a value is unknown."""
    unknown = False

    def value(match: re.Match) -> str:
        nonlocal unknown
        numbered = _NUMBERED.fullmatch(match.group(1) or match.group(2))
        found = values[numbered.group(1)][int(numbered.group(2)) - 1] if numbered else None
        unknown = unknown or found is None
        return found or ""
    expanded = _VARIABLE.sub(value, argument)
    return None if unknown else expanded.replace("\\$", "$")


def _literal_leaves(path: str) -> bool:
    """Whether a filter path leaves its install folder whatever a pkg gives (a leading variable decides)."""
    return not path.startswith("$") and _leaves(path)


def _leaves(path: str) -> bool:
    normal = posixpath.normpath(path)
    return posixpath.isabs(normal) or normal == ".." or normal.startswith("../")


def _is_download_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in URL_SCHEMES and bool(parts.hostname) and not any(c.isspace() for c in url)


def _is_hex(text: str) -> bool:
    """What fetchfw's ``binascii.a2b_hex`` accepts: an even number of hex digits."""
    return len(text) % 2 == 0 and all(c in string.hexdigits for c in text)


def _is_plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and name not in (".", "..")
