"""A channel's plugins and the phone models they support: a table for people, JSON for scripts."""
from __future__ import annotations

import json
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

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


def to_table(listed: list[Listed]) -> Table:
    """A rich table: plugin id, version, models (each vendor once), description.

    Every cell is plain Text (never rich markup) with control characters escaped, so
    what a plugin-info says cannot restyle or drive the terminal.
    """
    table = Table()
    for heading, style in (("Plugin", "bold"), ("Version", None), ("Models", None), ("Description", None)):
        table.add_column(heading, style=style, overflow="fold")
    for item in listed:
        table.add_row(*(Text(printable(str(cell))) for cell in (
            item.plugin_id, item.entry["version"], compact(item.models), item.entry["description"])))
    return table
