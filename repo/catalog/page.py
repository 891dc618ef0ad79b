"""The catalog page of a channel: ``index.html`` listing its plugins and the phone models they support.

A static page for people (no JavaScript, no external asset), rendered from the channel's
index with autoescaping on: everything it prints comes from plugin-info files and is
escaped, but the ``<br/>`` line breaks real descriptions hold, which become line breaks.
It is laid out for channels of hundreds of plugins and thousands of models, on a desktop
(tables that fit 1280 px, SHA-1s shown short: the first 12 digits, the whole one on
hover and when copied) and on a phone (each row a block of labelled lines). Download
links are relative (the package file name), so the page works from any base URL. The
page records the SHA-1 of the index it describes, so a publish can tell whether the
page is current without rendering it.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from repo.catalog.text import description_lines
from repo.package.index import Index
from repo.package.models import (
    WILDCARD,
    SupportedModel,
    compact,
    format_value,
    models_of,
)
from repo.templating import template_environment
from repo.ui.progress import format_bytes

CATALOG_NAME = "index.html"
# Capability keys with a column of their own, in reading order; any other key goes to "Other".
MODEL_COLUMNS = {
    "type": "Type", "protocol": "Protocol", "lines": "Lines", "function_keys": "Function keys",
    "expansion_modules": "Expansion modules", "high_availability": "High availability", "switchboard": "Switchboard",
}
MODEL_HEADINGS = ("Vendor", "Model", "Firmware", *MODEL_COLUMNS.values(), "Other", "Plugin")
# Narrower table headings (the full one is their title, and labels the phone layout).
SHORT_HEADINGS = {"Function keys": "Keys", "Expansion modules": "Modules", "High availability": "HA"}
_CONTROLS = {code: "\ufffd" for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]}
SHORT_SHA1 = 12  # hex digits shown; the cell holds all 40 (copied whole), the title shows them too
_INDEX_SHA1 = re.compile(rb'<meta name="provd-index-sha1" content="([0-9a-f]{40})">')


@dataclass(frozen=True)
class PluginRow:
    plugin_id: str
    anchor: str
    version: str
    description: tuple[str, ...]  # its lines
    models: str
    size: str
    dsize: int
    sha1sum: str
    filename: str
    href: str

    @property
    def sha1_short(self) -> str:
        return self.sha1sum[:SHORT_SHA1]


@dataclass(frozen=True)
class ModelRow:
    vendor: str
    model: str
    firmware: str
    values: tuple[str, ...]  # one per MODEL_COLUMNS entry, "" when unknown
    other: str
    plugin_id: str
    plugin_anchor: str
    vendor_anchor: str  # set on the first row of each vendor, the target of the vendor links


def render(index: Index, channel: str, published_at: datetime, index_sha1: str) -> bytes:
    """The page (UTF-8) for ``index``, the index of ``channel`` whose bytes have SHA-1 ``index_sha1``."""
    plugins, models = [], []
    for plugin_id, entry in index.items():
        plugin_models = models_of(plugin_id, entry)
        plugins.append(_plugin_row(plugin_id, entry, plugin_models))
        models += plugin_models
    models.sort(key=SupportedModel.sort_key)
    rows = [_model_row(model, first=index == 0 or models[index - 1].vendor != model.vendor)
            for index, model in enumerate(models)]
    published_at = published_at.astimezone(timezone.utc)
    page = _environment().get_template("index.html.j2").render(
        channel=channel, plugins=plugins, models=rows, model_headings=MODEL_HEADINGS, short_headings=SHORT_HEADINGS,
        vendors=[(row.vendor, row.vendor_anchor) for row in rows if row.vendor_anchor],
        total_size=format_bytes(sum(p.dsize for p in plugins)), index_sha1=index_sha1, wildcard=WILDCARD,
        short_sha1=SHORT_SHA1,
        published=published_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        published_iso=published_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    # An index written elsewhere may hold control characters, or a lone surrogate (valid JSON, not
    # encodable): both are shown as U+FFFD.
    return page.translate(_CONTROLS).encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def described_index_sha1(page: bytes | None) -> str | None:
    """The SHA-1 of the index a catalog page was rendered from (None: no page, or not one of ours)."""
    found = _INDEX_SHA1.search(page or b"")
    return found.group(1).decode() if found else None


def _plugin_row(plugin_id: str, entry: dict, models: list[SupportedModel]) -> PluginRow:
    filename = str(entry["filename"])
    dsize = entry["dsize"] if isinstance(entry["dsize"], int) else 0
    return PluginRow(plugin_id, _anchor(plugin_id), str(entry["version"]),
                     tuple(description_lines(str(entry["description"]))),
                     compact(models), format_bytes(dsize), dsize, str(entry["sha1sum"]), filename,
                     # "./" and quoting keep a name such as "javascript:x" a relative link to a file.
                     "./" + quote(filename, safe=""))


def _model_row(model: SupportedModel, first: bool) -> ModelRow:
    values = tuple(format_value(model.capabilities[key]) if key in model.capabilities else ""
                   for key in MODEL_COLUMNS)
    other = "; ".join(f"{key}: {format_value(value)}" for key, value in sorted(model.capabilities.items())
                      if key not in MODEL_COLUMNS)
    return ModelRow(model.vendor, model.model, model.firmware, values, other, model.plugin_id,
                    _anchor(model.plugin_id), _anchor(model.vendor, "vendor-") if first else "")


def _anchor(name: str, prefix: str = "plugin-") -> str:
    return prefix + quote(name, safe="")


@functools.cache
def _environment():
    return template_environment("catalog", autoescape=True)
