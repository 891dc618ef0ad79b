"""New build plugins: the files of ``xivo_<vendor>/``, its unit test included, rendered from templates.

``inv new-plugin Acme --version 1.0 P1 P2`` gives a build plugin in the shape of
plugins/xivo_digium (common/ shared by every firmware, one folder per firmware, the
unit test in common/tests/ as real trees have it, where ``inv test`` finds it) that
builds, validates and passes its generated test as it is, with the places a
maintainer must fill in marked ``EDIT ME``.

The templates in repo/templates/scaffold/ mirror the files they make. They use
``<< >>``, ``<% %>`` and ``<# #>`` as delimiters, so that the provd templates they
produce keep their own ``{{ }}`` untouched.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from repo.errors import ToolchainError
from repo.package.version import is_version
from repo.templating import template_environment

if TYPE_CHECKING:
    import jinja2

DEFAULT_VERSION = "1.0"
PLUGIN_INFO_VERSION = "0.1"
_VENDOR = re.compile(r"[A-Za-z][A-Za-z0-9]*")  # it also names Python classes and a URL path
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")  # safe in file names, plugin ids and capability keys
_RESERVED_MODELS = {"base"}  # base.tpl is the template every model extends


@dataclass(frozen=True)
class NewPlugin:
    """What a new build plugin is made of; the names of everything else derive from it."""

    vendor: str
    version: str
    models: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"xivo_{self.vendor.lower()}"

    @property
    def plugin_id(self) -> str:
        return f"xivo-{self.vendor.lower()}-{self.version}"

    def vendor_class_prefix(self, model: str) -> str:
        """A placeholder for what the model sends in DHCP option 60 (the maintainer sets the real one)."""
        return f"{self.vendor.lower()}_{model}"


def plan_plugin(vendor: str, version: str, models: Sequence[str]) -> NewPlugin:
    """Check the names a new plugin is made from; raise a one-line ToolchainError on the first bad one."""
    if not _VENDOR.fullmatch(vendor or ""):
        raise ToolchainError(f"vendor {vendor!r} must be a letter followed by letters or digits (e.g. Acme)")
    if not (_PLAIN.fullmatch(version or "") and is_version(version)):
        raise ToolchainError(f"version {version!r} is not a firmware version like 1.0 or 2.8.1 "
                             "(digits and dots, then letters, digits, '.', '_', '+' or '-')")
    if not models:
        raise ToolchainError("no models: give at least one (e.g. --models P1 or bare words after the vendor)")
    seen: set[str] = set()
    for model in models:
        if not _PLAIN.fullmatch(model) or model in _RESERVED_MODELS:
            raise ToolchainError(f"model {model!r} must be letters, digits, '.', '_', '+' or '-', starting with a "
                                 f"letter or digit, and not {' or '.join(sorted(_RESERVED_MODELS))}")
        if model.lower() in seen:
            raise ToolchainError(f"model {model!r} is given twice")
        seen.add(model.lower())
    return NewPlugin(vendor, version, tuple(models))


TEST_FILE = "common/tests/test_common.py"


def render_plugin(plugin: NewPlugin) -> dict[str, str]:
    """The build plugin's files, by path relative to its folder (its unit test: TEST_FILE)."""
    environment = _environment()
    context = _context(plugin)

    def render(template: str, **extra) -> str:
        return environment.get_template(template).render(context, **extra)

    files = {
        "build.py": render("build.py.j2"),
        "dhcp.toml": render("dhcp.toml.j2"),
        "common/common.py": render("common/common.py.j2"),
        "common/templates/base.tpl": render("common/templates/base.tpl.j2"),
        f"{plugin.version}/entry.py": render("version/entry.py.j2"),
        f"{plugin.version}/plugin-info": render("version/plugin-info.j2"),
        f"{plugin.version}/pkgs/pkgs.db": render("version/pkgs/pkgs.db.j2"),
        # Packages, so that the test imports common.py relatively (build.py leaves them out).
        "__init__.py": "",
        "common/__init__.py": "",
        "common/tests/__init__.py": "",
        TEST_FILE: render("common/tests/test_common.py.j2"),
    }
    for model in plugin.models:
        files[f"{plugin.version}/templates/{model}.tpl"] = render("version/templates/model.tpl.j2", model=model)
    return files


def create(plugins_dir: Path, plugin: NewPlugin) -> Path:
    """Write the build plugin (its test included) into ``plugins_dir``; return its folder.

    All or nothing: an existing folder is never overwritten, and a failure while
    writing leaves nothing behind.
    """
    plugins_dir = Path(plugins_dir)
    if not plugins_dir.is_dir():
        raise ToolchainError("plugins folder not found", plugins_dir)
    folder = plugins_dir / plugin.name
    if folder.exists() or folder.is_symlink():
        raise ToolchainError("already exists: not overwritten (choose another vendor or remove it)", folder)
    files = render_plugin(plugin)
    # Built beside its final place, then renamed: a half-written folder is never visible.
    unfinished = plugins_dir / f".{plugin.name}.new-{os.getpid()}"
    shutil.rmtree(unfinished, ignore_errors=True)  # left by a run that was killed
    try:
        for rel, text in files.items():
            (unfinished / rel).parent.mkdir(parents=True, exist_ok=True)
            (unfinished / rel).write_text(text, encoding="utf-8")
        unfinished.rename(folder)
    except OSError as exc:
        raise ToolchainError(f"cannot write the new plugin: {exc.strerror or exc}", exc.filename or folder) from None
    finally:
        shutil.rmtree(unfinished, ignore_errors=True)
    return folder


def _context(plugin: NewPlugin) -> dict:
    return {
        "plugin": plugin,
        "vendor": plugin.vendor,
        "version": plugin.version,
        "models": plugin.models,
        "models_en": _spoken_list(plugin.models, "and"),
        "models_fr": _spoken_list(plugin.models, "et"),
        "info_version": PLUGIN_INFO_VERSION,
    }


def _spoken_list(words: Sequence[str], conjunction: str) -> str:
    """``P1``, ``P1 and P2``, ``P1, P2 and P3``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _environment() -> jinja2.Environment:
    environment = template_environment(
        "scaffold", block_start_string="<%", block_end_string="%>", variable_start_string="<<",
        variable_end_string=">>", comment_start_string="<#", comment_end_string="#>")
    environment.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)
    environment.filters["py"] = repr
    environment.filters["python_name"] = lambda text: re.sub(r"\W", "_", text)
    return environment
