"""A channel's plugins and the phone models they support: a table for people, JSON for scripts.

Plugin ids are never wrapped nor cut, so they can be copied from the terminal: the
models and descriptions give way first, and when a terminal is too narrow for them
next to the ids, each plugin is shown as an id line with its models and description
indented below it.
"""
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from repo.catalog.text import description_lines
from repo.package.index import PACKAGE_KEYS, Index
from repo.package.models import SupportedModel, compact, models_of
from repo.ui.terminal import printable


@dataclass(frozen=True)
class Listed:
    plugin_id: str
    entry: dict
    models: list[SupportedModel]  # all of the plugin's models, or those matching the filter


def select(index: Index, model_text: str | None = None) -> list[Listed]:
    """The plugins of ``index``; with ``model_text``, those with a model whose vendor or model contains it."""
    listed = []
    for plugin_id, entry in index.items():
        models = models_of(plugin_id, entry)
        if model_text:
            models = [m for m in models if m.matches(model_text)]
            if not models:
                continue
        listed.append(Listed(plugin_id, entry, models))
    return listed


def to_json(listed: list[Listed], repository: str, channel: str, model_text: str | None) -> str:
    """The listing as a JSON document (keys documented in the README)."""
    plugins = [{
        "id": item.plugin_id,
        "version": item.entry["version"],
        "description": item.entry["description"],
        **{key: item.entry[key] for key in PACKAGE_KEYS},
        "models": [{"vendor": m.vendor, "model": m.model, "firmware": m.firmware, "capabilities": m.capabilities}
                   for m in item.models],
    } for item in listed]
    return json.dumps({"repository": repository, "channel": channel, "model_filter": model_text,
                       "plugins": plugins}, indent=2, sort_keys=True)


def heading(listed: list[Listed], repository: str, channel: str, model_text: str | None) -> str:
    """The line above the table, or the whole answer when nothing matches."""
    if not listed and model_text:
        return f"no plugin of the {channel} channel of {repository} supports a model matching {model_text!r}"
    if not listed:
        return f"the {channel} channel of {repository} has no plugins"
    matching = f" with a model matching {model_text!r}" if model_text else ""
    return f"{channel} channel of {repository}: {len(listed)} plugin(s){matching}"


# Borders and padding of a 4-column table: 5 vertical lines, one space each side of a cell.
TABLE_OVERHEAD = 5 + 4 * 2
MIN_TEXT_WIDTH = 16  # the narrowest Models or Description column worth reading
INDENT = "    "


class ListingConsole(Console):
    """A rich console that lets a closed pipe reach the task boundary (rich would exit with status 1)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def show(listed: list[Listed], console: Console | None = None) -> None:
    """Print the listing as a table when the terminal has room for it next to the ids, else stacked."""
    console = console or ListingConsole()
    rows = [[printable(str(cell)) for cell in (item.plugin_id, item.entry["version"], compact(item.models))]
            + ["\n".join(printable(line) for line in description_lines(str(item.entry["description"])))]
            for item in listed]
    id_width = max([len("Plugin"), *(len(row[0]) for row in rows)])
    version_width = max([len("Version"), *(len(row[1]) for row in rows)])
    if id_width + version_width + TABLE_OVERHEAD + 2 * MIN_TEXT_WIDTH <= console.width:
        console.print(to_table(rows, id_width, version_width))
        return
    for plugin_id, version, models, description in rows:
        console.print(Text(plugin_id, style="bold") + Text(f"  {version}"), soft_wrap=True)
        for text in (models, *description.splitlines()):
            for line in textwrap.wrap(text, console.width, initial_indent=INDENT, subsequent_indent=INDENT):
                console.print(Text(line), soft_wrap=True)


def to_table(rows: list[list[str]], id_width: int, version_width: int) -> Table:
    """A rich table of printable rows: plugin id, version, models (each vendor once), description.

    Every cell is plain Text (never rich markup), so what a plugin-info says cannot
    restyle the terminal. Ids and versions keep their whole width; the other columns wrap.
    """
    table = Table()
    table.add_column("Plugin", style="bold", width=id_width, no_wrap=True)
    table.add_column("Version", width=version_width, no_wrap=True)
    for heading in ("Models", "Description"):
        table.add_column(heading, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table
