"""Every validation rule by its code: how severe it is and what it means.

A code names one kind of problem and keeps its severity: an error is what makes provd
fail (refuse the plugin, or fail every install of a package) or is unsafe on the
servers, and can never be silenced; a warning is what provd tolerates but a maintainer
probably wants to know. The README's codes table is this table.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from repo.validation.findings import ERROR, WARNING, Finding


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    summary: str


def _rules(*rules: tuple[str, str, str]) -> dict[str, Rule]:
    return {code: Rule(code, severity, summary) for code, severity, summary in rules}


RULES: dict[str, Rule] = _rules(
    # build plugins
    ("build-file", ERROR, "a build.py that does not load (syntax error, exception, a target id defined twice)"),
    ("target-failed", ERROR, "a target that fails (exception, command exiting non-zero, rsync error)"),
    ("duplicate-plugin-id", ERROR, "one plugin id produced by several targets"),
    # the built tree
    ("required-file", ERROR, "no plugin-info or no entry.py: provd cannot load the plugin"),
    ("plugin-id", ERROR, "a plugin id that cannot name a package and provd's plugin folder"),
    ("special-file", ERROR, "a device, fifo or socket: cannot be packaged"),
    ("symlink-escape", ERROR, "an absolute symlink, or one resolving outside the plugin folder"),
    ("symlink-loop", ERROR, "a symlink that loops and never reaches a file"),
    ("symlink-broken", WARNING, "a symlink pointing to nothing"),
    ("vcs-or-bytecode", ERROR, "VCS metadata (.git, .svn, ...) or Python bytecode (__pycache__, *.pyc) in the "
                               "package: history or credentials leak, code no reviewer reads"),
    ("stray-file", WARNING, "a dot-file or editor leftover in the package"),
    # plugin-info
    ("plugin-info-syntax", ERROR, "plugin-info not UTF-8, not JSON or not a JSON object"),
    ("plugin-info-key", ERROR, "version, description or capabilities missing or of the wrong type; a version "
                               "not shaped like one; a localised description (description_fr, ...) that is not "
                               "a string"),
    ("plugin-info-text", ERROR, "text that cannot be encoded (a lone surrogate such as \\ud800), or NaN/Infinity: "
                                "the catalog page, terminals and JSON readers cannot carry it"),
    ("iface-version", ERROR, "plugin_iface_version_min/max not a number, or excluding provd's 0.2 "
                             "(provd refuses to load the plugin)"),
    ("repeated-key", WARNING, "a key given twice in one JSON object (the last one wins)"),
    ("unknown-key", WARNING, "a top-level plugin-info key provd does not know (passed through to its REST API)"),
    ("vendor-key", WARNING, "vendor, vendor.url, vendor.description of another type than a string, "
                            "vendor.official other than a boolean or 0/1"),
    ("capability-key", WARNING, "an unknown capability key, e.g. the typos proto, ha, expansions"),
    ("capability-legacy", WARNING, "the legacy capability key sip.lines (documented: lines)"),
    ("capability-name", WARNING, "a capabilities key that is not a 'vendor, model, version' triple"),
    ("capability-value", WARNING, "a capability of the wrong type or value (lines, protocol, type, ...), "
                                  "multicell without a DECT type, capabilities that are not an object"),
    # pkgs/pkgs.db
    ("pkgs-syntax", ERROR, "pkgs.db (or another file of pkgs/) that provd's RawConfigParser refuses"),
    ("pkgs-section", ERROR, "a section whose name starts with none of pkg_, file_, install_ (fetchfw refuses "
                            "the file)"),
    ("pkgs-extra-file", WARNING, "a file in pkgs/ besides pkgs.db: provd reads it as part of pkgs.db"),
    ("pkg-option", ERROR, "a pkg section without description or version, or with an id option"),
    ("pkg-reference", ERROR, "a pkg section naming a file, install or depends id with no section, giving its "
                             "install fewer files or arguments than it uses, or arguments making an install path "
                             "leave its folder"),
    ("pkg-no-install", WARNING, "a pkg section with files but no install: they are downloaded, never installed"),
    ("file-option", ERROR, "a file section without url, size or sha1sum, or with an unknown downloader"),
    ("file-url", ERROR, "a url that is neither empty nor http, https or ftp with a host"),
    ("file-size", ERROR, "a size that is not an integer"),
    ("file-sha1sum", ERROR, "a sha1sum that is not hexadecimal (provd cannot load the plugin), or not 40 hex "
                            "digits on a file provd downloads (every download fails)"),
    ("supplied-file-sha1sum", WARNING, "a sha1sum that is not 40 hex digits on a file the operator supplies "
                                       "(empty url): provd never checks it"),
    ("file-name", ERROR, "a filename that is not a plain name, none for an empty url, none derivable from the "
                         "url, or one shared by two file sections"),
    ("install-graph", ERROR, "an install section fetchfw refuses (edges, sources, cycles, filters, argument "
                             "counts, variables) or whose paths leave the install folder"),
    ("unused-section", WARNING, "a file or install section no pkg uses"),
    ("unknown-option", WARNING, "an option a pkgs.db section does not know"),
    # Python, templates
    ("python-syntax", ERROR, "a Python file that does not compile"),
    ("python-warning", WARNING, "what the Python compiler warns about (e.g. invalid escape sequences)"),
    ("entry-point", ERROR, "an entry.py without a class setting IS_PLUGIN = True"),
    ("execfile", ERROR, "execfile_() of a file the plugin lacks, or of an absolute path"),
    ("template-syntax", ERROR, "a template that is not UTF-8 or not valid Jinja2"),
    ("template-missing", ERROR, "extends/include/import of a template found in neither var/templates/ nor "
                                "templates/"),
    # firmware, DHCP
    ("firmware-mismatch", ERROR, "a file of the firmware folder whose size or sha1 differs from what its pkgs.db "
                                 "says"),
    ("dhcp-data", ERROR, "DHCP data (`dhcp.toml`, `_dhcp/*.toml`) that `inv dhcp` would refuse"),
    ("dhcp-coverage", WARNING, "models of a build plugin that no DHCP class or MAC prefix of their vendor names: "
                               "one line per build plugin"),
    ("provd", ERROR, "with `inv validate --provd`: the real provd cannot load the plugin or its pkgs.db"),
    ("version-published", WARNING, "with a repository (`--against REPO`, $PROVD_REPO or provd.repo): a package "
                                   "whose version a channel already indexes with other bytes (upload would refuse "
                                   "it: bump the version)"),
    ("dhcp-drift", WARNING, "reported by `inv dhcp-import`: a class of a hand-kept bundle with no allow line, or an "
                            "allow line for a class no vendor file declares"),
)


def finding(code: str, path: str | os.PathLike, message: str, line: int | None = None) -> Finding:
    """A finding of rule ``code``, with the rule's severity."""
    return Finding(os.fspath(path), line, RULES[code].severity, message, code)
