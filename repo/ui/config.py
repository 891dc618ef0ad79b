"""The project configuration: the ``provd`` section of Invoke's configuration, read and checked once.

Invoke merges its configuration files (``invoke.yaml`` next to tasks.py, the file given
with ``inv -f FILE``, ~/.invoke.yaml, /etc/invoke.yaml); every task reads the merged
``provd`` section through ``project_config`` and lets its command-line options win.

A relative path in a configuration file is relative to the folder of that file, so
``inv -f ../plugins-repo/invoke.yaml build`` builds that repository's ``plugins_dir``
wherever it is run from. Command-line options and the built-in defaults (``plugins``,
``_build``) are relative to the current folder, as usual.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from repo.errors import ToolchainError
from repo.publish.folders import ChannelFolders

SECTION = "provd"
DEFAULT_PLUGINS_DIR = Path("plugins")
DEFAULT_BUILD_DIR = Path("_build")
PATH_KEYS = ("plugins_dir", "build_dir")
TEXT_KEYS = ("repo", "endpoint_url", "acl", "dhcp_path")  # dhcp_path: checked where it is used
KNOWN_KEYS = (*PATH_KEYS, *TEXT_KEYS, "channels", "validation")  # validation: repo.validation.silencing
# Invoke's configuration levels, highest precedence first, and whether each is read from a file.
_LEVELS = (("modifications", False), ("overrides", False), ("runtime", True), ("env", False), ("project", True),
           ("user", True), ("system", True))


@dataclass(frozen=True)
class ProjectConfig:
    """The checked ``provd`` section: paths resolved, channel folders validated."""

    plugins_dir: Path = DEFAULT_PLUGINS_DIR
    build_dir: Path = DEFAULT_BUILD_DIR
    channels: ChannelFolders = ChannelFolders()
    settings: Mapping[str, str] = field(default_factory=dict)  # repo, endpoint_url, acl, dhcp_path as given

    def plugins(self, option: str | os.PathLike | None) -> Path:
        """The plugins folder: the command-line option, else the configured one."""
        return Path(option) if option else self.plugins_dir

    def build(self, option: str | os.PathLike | None) -> Path:
        """The build folder: the command-line option, else the configured one."""
        return Path(option) if option else self.build_dir


def project_config(config: Any) -> ProjectConfig:
    """Read Invoke's merged configuration (``c.config``); a bad value is a one-line error naming its file."""
    section = config.get(SECTION)
    if section is None:
        return ProjectConfig()
    if not isinstance(section, Mapping):
        raise ToolchainError(f"{SECTION}: must be a mapping of settings, not {type(section).__name__}",
                             _file_of(config, None))
    files = {key: path for key in section if (path := _file_of(config, key))}
    for key in section:
        if key not in KNOWN_KEYS:
            raise ToolchainError(f"{SECTION}.{key}: unknown setting (known: {', '.join(KNOWN_KEYS)})", files.get(key))
    values: dict[str, Any] = {}
    for key in (*PATH_KEYS, *TEXT_KEYS):
        value = section.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise ToolchainError(f"{SECTION}.{key}: must be a non-empty string, not {value!r}", files.get(key))
        values[key] = value
    try:
        channels = ChannelFolders.parse(section.get("channels"))
    except ToolchainError as exc:
        raise ToolchainError(f"{SECTION}.channels: {exc}", files.get("channels")) from None
    paths = {key: _relative_to(files.get(key), Path(values[key])) for key in PATH_KEYS if key in values}
    settings = {key: values[key] for key in TEXT_KEYS if key in values}
    if "repo" in settings and _is_local_path(settings["repo"]):
        settings["repo"] = str(_relative_to(files.get("repo"), Path(settings["repo"])))
    return ProjectConfig(channels=channels, settings=settings, **paths)


def _relative_to(config_file: str | None, path: Path) -> Path:
    """``path`` as written in ``config_file``: relative to that file's folder (else to the current folder)."""
    path = path.expanduser()
    if config_file is None or path.is_absolute():
        return path
    return Path(config_file).resolve().parent / path


def _is_local_path(address: str) -> bool:
    scheme = urlsplit(address).scheme
    return len(scheme) <= 1  # none, or a Windows drive letter


def _file_of(config: Any, key: str | None) -> str | None:
    """The configuration file the ``provd`` section (or its ``key``) comes from, if a file gave it.

    Reads Invoke's per-level data (``Config._runtime``, ``_runtime_path``, ...): the
    merged configuration does not remember where a value came from.
    """
    for level, from_file in _LEVELS:
        if from_file and not getattr(config, f"_{level}_found", False):
            continue
        section = (getattr(config, f"_{level}", None) or {}).get(SECTION)
        if section is not None and (key is None or (isinstance(section, Mapping) and key in section)):
            return getattr(config, f"_{level}_path", None) if from_file else None
    return None
