"""The real provd's own verdict on a plugin, where provd is installed (a test dependency).

The toolchain's rules say what provd would refuse without needing provd; this module
asks provd itself, through the code a provd server runs: fetchfw's parser for pkgs.db
(``FetchfwPluginHelper``, what a plugin builds when it is loaded) and ``PluginManager``
for reading plugin-info and executing entry.py in provd's loading environment. Tests
compare both verdicts; ``inv validate --provd`` adds provd's to the toolchain's findings.
Without provd, ``provd_import_problem`` says why and the toolchain's rules stand alone.
"""
from __future__ import annotations

import functools
import importlib
import os
import shutil
import sys
import tempfile
import urllib.request
import warnings
from pathlib import Path
from types import SimpleNamespace

from repo.errors import ToolchainError
from repo.validation.findings import Finding
from repo.validation.rules import finding

INSTALLER = Path(__file__).resolve().parents[2] / "tests" / "install_provd.py"
PROVD_MODULES = ("wazo_provd.app", "wazo_provd.plugins", "xivo_fetchfw.storage")  # what a server runs on
PLUGIN_ENTRY = "entry.py"
DOWNLOAD_SCHEMES = ("http", "https", "ftp")  # urllib's network schemes (file: and data: read provd's own disk)
_PLUGIN_DIRS = ("pkgs", "var/cache", "var/installed", "var/templates", "var/tftpboot")


def install_command() -> str:
    """The command that installs the real provd into this interpreter's environment."""
    return f"{sys.executable} {INSTALLER}"


@functools.cache
def provd_import_problem() -> str | None:
    """None when the real provd imports in this interpreter, else why not (one line)."""
    try:
        # Recorded, not shown: provd's DeprecationWarnings about Twisted and its old name (it also
        # resets the warning filters to make sure that last one shows).
        with warnings.catch_warnings(record=True):
            for module in PROVD_MODULES:
                importlib.import_module(module)
    except Exception as exc:  # a missing module, or one that breaks on import (e.g. pydantic 2)
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def require_provd() -> None:
    """Raise a one-line ToolchainError saying how to install provd when it does not import."""
    problem = provd_import_problem()
    if problem:
        raise ToolchainError(f"the real provd does not import here ({problem}): install it with "
                             f"`{install_command()}`")


def provd_findings(tree: Path) -> list[Finding]:
    """provd's verdict on a built plugin tree as findings (code ``provd``), paths relative to the tree."""
    require_provd()
    findings = []
    problem = load_problem(tree)
    if problem:
        findings.append(finding("provd", PLUGIN_ENTRY, problem))
    pkgs_db = Path(tree) / "pkgs" / "pkgs.db"
    problem = pkgs_db_problem(pkgs_db.read_bytes()) if pkgs_db.is_file() else None
    if problem:
        findings.append(finding("provd", "pkgs/pkgs.db", problem))
    return findings


def _describe(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def pkgs_db_problem(data: bytes) -> str | None:
    """Why provd could not use a plugin whose pkgs/pkgs.db is ``data``, or None if it could.

    In the order provd meets them: loading the plugin parses the file and builds every
    package (a failure makes the plugin unloadable); listing its packages; then, for
    each package, what an install does before downloading: resolving its dependencies
    and opening each of its files' downloads (a URL urllib can fetch over the network,
    a SHA-1 a download can match, a file name inside provd's cache folder). An empty
    URL is a file the operator puts in the cache by hand: never downloaded. Last, where
    its install graph copies files: never outside the install folders.
    """
    from wazo_provd.plugins import FetchfwPluginHelper

    with tempfile.TemporaryDirectory(prefix="provd-pkgs-") as plugin_dir:
        for folder in _PLUGIN_DIRS:
            os.makedirs(os.path.join(plugin_dir, folder))
        Path(plugin_dir, "pkgs", "pkgs.db").write_bytes(data)
        try:
            helper = FetchfwPluginHelper(plugin_dir)
        except Exception as exc:
            return f"provd cannot load the plugin: {_describe(exc)}"
        try:
            helper.list_installable()
        except Exception as exc:
            return f"provd cannot list the plugin's packages: {_describe(exc)}"
        packages = helper._pkg_mgr.installable_pkg_sto  # what install() works from; no public accessor
        cache_dir = os.path.join(plugin_dir, "var", "cache")
        for pkg_id in sorted(packages):
            try:
                packages.get_dependencies(pkg_id)
            except KeyError as exc:
                return f"installing {pkg_id} fails: it depends on {exc}, which no pkg section defines"
            for remote_file in packages[pkg_id].remote_files:
                problem = _download_problem(remote_file, cache_dir)
                if problem:
                    return f"installing {pkg_id} fails: {problem}"
            escape = _copy_outside(packages[pkg_id].install_mgr)
            if escape:
                return f"installing {pkg_id} would write outside its install folder: {escape!r}"
    return None


def _copy_outside(install_mgr) -> str | None:
    """A ``cp`` destination of the install graph that leaves the step's folder, or None.

    fetchfw refuses absolute and ``..`` source paths when it builds a graph, but joins a
    ``cp`` destination to its folder as given: ``/etc/`` would write into the server's /etc.
    """
    from xivo_fetchfw.install import CopyFilter

    steps = install_mgr._filters.values() if install_mgr is not None else ()  # node -> (filter, source)
    for step, _source in steps:
        destination = getattr(step, "_dst", None) if isinstance(step, CopyFilter) else None
        if destination is not None and os.path.normpath(os.path.join("step", destination)).split(os.sep)[0] != "step":
            return destination
    return None


def _download_problem(remote_file, cache_dir: str) -> str | None:
    """What keeps fetchfw from ever downloading this file into its cache, or None."""
    if os.path.dirname(os.path.normpath(remote_file.path)) != cache_dir or not remote_file.filename:
        return f"its file would be written at {os.path.relpath(remote_file.path, cache_dir)!r}, not in the cache"
    download = remote_file._base_remote_file  # fetchfw keeps the URL and the checks here
    if download._url == "":
        return None
    try:
        request = urllib.request.Request(download._url)
    except ValueError as exc:
        return f"cannot download {download._url!r}: {exc}"
    if request.type not in DOWNLOAD_SCHEMES or not request.host:
        return f"cannot download {download._url!r}: not an {'/'.join(DOWNLOAD_SCHEMES)} URL with a host"
    for hook in (factory() for factory in download._hook_factories):
        digest = getattr(hook, "_sha1sum", None)  # fetchfw's SHA1Hook
        if digest is not None and len(digest) != 20:
            return f"no download of {download._url!r} can match a {len(digest) * 2}-digit sha1sum"
    return None


def load_problem(tree: Path) -> str | None:
    """Why provd could not load the built plugin ``tree`` (a folder named after the plugin id), or None.

    The tree is copied into a fresh plugins folder of a ``PluginManager``, which lists it
    (reading plugin-info as installed plugins are read) and loads it: entry.py executed
    with ``execfile_``, the plugin class chosen and instantiated as a server does.
    """
    from wazo_provd.plugins import PluginManager

    tree = Path(tree)
    # The plugin's own warnings (recorded, not shown) do not stop provd from loading it.
    with tempfile.TemporaryDirectory(prefix="provd-load-") as scratch, warnings.catch_warnings(record=True):
        plugins_dir = os.path.join(scratch, "plugins")
        shutil.copytree(tree, os.path.join(plugins_dir, tree.name), symlinks=True)
        manager = PluginManager(SimpleNamespace(proxies={}), plugins_dir, os.path.join(scratch, "cache"))
        try:
            manager.list_installed()
        except Exception as exc:
            return f"provd cannot read the plugin's plugin-info: {_describe(exc)}"
        try:
            manager.load(tree.name, {"proxies": {}}, {})
        except Exception as exc:
            return f"provd cannot load the plugin: {_describe(exc)}"
        finally:
            manager.close()
    return None
