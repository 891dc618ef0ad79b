"""The phone models a channel supports, read from the capabilities of its index entries.

Reading is lenient (the index may come from another tool): a capability key that is
not a ``vendor, model, firmware`` triple keeps the parts it has, and capabilities
that are not objects count as unknown.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from repo.package.index import Index
from repo.package.version import natural_key

WILDCARD = "*"


@dataclass(frozen=True)
class SupportedModel:
    """One capability key of one plugin: a vendor, model and firmware, and what provd knows of it."""

    vendor: str
    model: str
    firmware: str
    capabilities: dict
    plugin_id: str

    @property
    def key(self) -> str:
        return f"{self.vendor}, {self.model}, {self.firmware}"

    def matches(self, text: str) -> bool:
        """Whether ``text`` appears in the vendor, the model or "vendor model", ignoring case."""
        needle = text.strip().casefold()
        return any(needle in part.casefold() for part in (self.vendor, self.model, f"{self.vendor} {self.model}"))

    def sort_key(self) -> tuple:
        return (natural_key(self.vendor), natural_key(self.model), natural_key(self.firmware),
                self.vendor, self.model, self.firmware, self.plugin_id)


def split_capability_key(key: str) -> tuple[str, str, str]:
    """``"Digium, D40, 2.8.1"`` -> ``("Digium", "D40", "2.8.1")``; missing parts are empty."""
    parts = [part.strip() for part in key.split(",", 2)]
    vendor, model, firmware = parts + [""] * (3 - len(parts))
    return vendor, model, firmware


def models_of(plugin_id: str, entry: dict) -> list[SupportedModel]:
    """The models one index entry supports, sorted (vendor, model, firmware: digits as numbers)."""
    capabilities = entry.get("capabilities")
    if not isinstance(capabilities, dict):
        return []
    models = [SupportedModel(*split_capability_key(str(key)), values if isinstance(values, dict) else {}, plugin_id)
              for key, values in capabilities.items()]
    return sorted(models, key=SupportedModel.sort_key)


def supported_models(index: Index) -> list[SupportedModel]:
    """Every model of every plugin of the index, sorted; a model two plugins support appears twice."""
    return sorted((m for plugin_id, entry in index.items() for m in models_of(plugin_id, entry)),
                  key=SupportedModel.sort_key)


def compact(models: Iterable[SupportedModel]) -> str:
    """``Acme P1; Digium D40, D45``: each vendor once with its models once each (firmware left out)."""
    by_vendor: dict[str, dict[str, None]] = {}  # dicts as ordered sets: linear in the number of models
    for model in models:
        by_vendor.setdefault(model.vendor, {})[model.model] = None
    return "; ".join(f"{vendor} {', '.join(names)}" for vendor, names in by_vendor.items())


def format_value(value: object) -> str:
    """A capability (or any index) value as people read it: yes/no, plain text, else compact JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
