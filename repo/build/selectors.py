"""Build selectors that are not a build plugin's folder name: plugin ids, and globs of ids or folder names.

`inv list`, `inv promote` and `inv remove` speak of plugin ids (``wazo-yealink-v86``),
so `inv build` and `inv validate` take them too, as well as globs (``'wazo-yealink-*'``),
which match plugin ids and build plugin folder names alike (``-`` and ``_`` alike in
folder names, as for plain names). A selector matching nothing is an error naming it,
with the closest names and ids as suggestions.
"""
from __future__ import annotations

import difflib
from fnmatch import fnmatchcase
from typing import Iterable, Protocol, Sequence

from repo.errors import ToolchainError

GLOB_CHARACTERS = frozenset("*?[")
MAX_SUGGESTIONS = 3
MAX_NAMES_LISTED = 10


class Selectable(Protocol):
    """A build plugin as selection sees it: its folder name and targets (each with a plugin id, ``pg_id``)."""

    name: str
    targets: dict


def is_glob(selector: str) -> bool:
    return not GLOB_CHARACTERS.isdisjoint(selector)


def folder_name(name: str) -> str:
    """A build plugin folder name as selectors compare it (``xivo-digium`` is ``xivo_digium``)."""
    return name.replace("-", "_")


def folder_matches(folder: str, selector: str) -> bool:
    """Whether build plugin ``folder`` is named by ``selector`` (a name or a glob of names)."""
    return fnmatchcase(folder_name(folder), folder_name(selector))


def matching_targets(plugins: Sequence[Selectable], selector: str, broken: Iterable[str] = ()) -> list:
    """The targets ``selector`` names as a plugin id, a glob of plugin ids or folder names, or
    ``folder-glob:target-glob``.

    A glob matching only build plugins whose build file failed to load (``broken``)
    selects nothing: the load error is what the caller reports.
    """
    broken = set(broken)
    folder, colon, target_id = selector.partition(":")
    targets = [target for plugin in plugins for target in plugin.targets.values()]
    if colon:
        found = [target for plugin in plugins if folder_matches(plugin.name, folder)
                 for target in plugin.targets.values() if fnmatchcase(target.target_id, target_id)]
    elif is_glob(selector):
        found = [target for target in targets if fnmatchcase(target.pg_id, selector)]
        found += [target for plugin in plugins if folder_matches(plugin.name, selector)
                  for target in plugin.targets.values()]
    else:
        found = [target for target in targets if target.pg_id == selector]
    if not found and any(folder_matches(name, folder) for name in broken):
        return []
    if not found:
        raise ToolchainError(unknown_selector(selector, [plugin.name for plugin in plugins],
                                              [] if colon else [target.pg_id for target in targets], len(broken)))
    return found


def unknown_selector(selector: str, folders: list[str], plugin_ids: list[str], unread: int = 0) -> str:
    """One line naming a selector that selects nothing, with the names it was probably meant to be.

    ``unread``: how many build plugins could not be searched (their build file fails to load).
    """
    name = selector.partition(":")[0] if not plugin_ids else selector
    close = [] if is_glob(name) else difflib.get_close_matches(name, sorted(set(folders + plugin_ids)),
                                                               MAX_SUGGESTIONS, 0.6)
    if close:
        hint = "did you mean " + " or ".join(repr(name) for name in close) + "?"
    else:
        listed = ", ".join(sorted(folders)[:MAX_NAMES_LISTED]) or "none"
        more = f" and {len(folders) - MAX_NAMES_LISTED} more" if len(folders) > MAX_NAMES_LISTED else ""
        hint = f"build plugins: {listed}{more}"
    if unread:
        hint += f"; not searched: {unread} build plugin(s) whose build file fails to load"
    return f"no build plugin or plugin id matches {selector!r} ({hint})"
