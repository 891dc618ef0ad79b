"""What promoting one channel into another would change, plugin id by plugin id.

Pure: two indexes in, a diff out (``lines()`` for people, ``to_json()`` for scripts).
It follows what ``inv promote`` does: a version the destination indexes higher is left
out, an id only the destination has stays, the same version with other bytes is
refused unless forced.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Collection

from repo.package.index import PACKAGE_KEYS, Index
from repo.package.models import format_value
from repo.package.version import Version
from repo.validation.findings import plural

NEW, UPGRADE, DOWNGRADE, REBUILT, ONLY_IN_TARGET = "new", "upgrade", "downgrade", "rebuilt", "only-in-to"
# Keys compared on their own terms, not as metadata.
_OWN_TERMS = {"version", "capabilities", *PACKAGE_KEYS}


@dataclass(frozen=True)
class ModelChange:
    """A capability key (``vendor, model, firmware``) added, removed, or with other values."""

    key: str
    before: dict | None  # None: the key is added
    after: dict | None  # None: the key is removed

    def changed_values(self) -> dict[str, tuple[object, object]]:
        """Per capability field, (before, after); None stands for absent (unknown)."""
        before, after = self.before or {}, self.after or {}
        return {name: (before.get(name), after.get(name)) for name in sorted(before.keys() | after.keys())
                if before.get(name) != after.get(name) or (name in before) != (name in after)}


@dataclass(frozen=True)
class PluginChange:
    plugin_id: str
    kind: str
    current: dict | None  # the destination's entry
    incoming: dict | None  # the source's entry
    models: tuple[ModelChange, ...] = ()
    metadata: tuple[tuple[str, object, object], ...] = ()  # (key, before, after); None: absent


@dataclass
class IndexDiff:
    source: str
    target: str
    changes: list[PluginChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in (NEW, UPGRADE, DOWNGRADE, REBUILT, ONLY_IN_TARGET)}
        for change in self.changes:
            counts[change.kind] += 1
        return counts

    def plugin_ids(self) -> list[str]:
        return sorted([change.plugin_id for change in self.changes] + self.unchanged)

    def only(self, plugin_ids: Collection[str]) -> "IndexDiff":
        """The part of the diff about ``plugin_ids``."""
        return IndexDiff(self.source, self.target, [c for c in self.changes if c.plugin_id in plugin_ids],
                         [plugin_id for plugin_id in self.unchanged if plugin_id in plugin_ids])

    def lines(self, verbose: bool = True) -> list[str]:
        """The summary line, then each change; without ``verbose`` a new id's models are a count."""
        names = {NEW: "new", UPGRADE: "upgraded", DOWNGRADE: "downgraded", REBUILT: "rebuilt",
                 ONLY_IN_TARGET: f"only in {self.target}"}
        summary = ", ".join(f"{count} {names[kind]}" for kind, count in self.counts().items() if count)
        lines = [f"promoting {self.source} into {self.target}: "
                 f"{summary + ', ' if summary else ''}{len(self.unchanged)} unchanged"]
        for change in self.changes:
            if change.kind == NEW and not verbose:
                lines.append(f"{self._headline(change)} ({plural(len(change.models), 'model')})")
                continue
            lines.append(self._headline(change))
            lines += [f"    {line}" for line in _model_lines(change.models)]
            lines += [f"    ~ {key}: {_shown(before)} -> {_shown(after)}" for key, before, after in change.metadata]
        return lines

    def _headline(self, change: PluginChange) -> str:
        current, incoming = change.current, change.incoming
        if change.kind == NEW:
            return f"+ {change.plugin_id} {incoming['version']}: new"
        if change.kind == ONLY_IN_TARGET:
            return f"= {change.plugin_id} {current['version']}: only in {self.target} (promoting leaves it there)"
        if change.kind == REBUILT:
            return (f"! {change.plugin_id} {current['version']}: same version, other package (sha1 "
                    f"{current['sha1sum'][:12]} -> {incoming['sha1sum'][:12]}; promote refuses it without --force)")
        line = f"~ {change.plugin_id} {current['version']} -> {incoming['version']}: {change.kind}"
        if change.kind == DOWNGRADE:
            line += f" (promote leaves it out: {self.target} has the newer version)"
        return line

    def to_json(self) -> str:
        """The diff as a JSON document (keys documented in the README)."""
        plugins = [{
            "id": change.plugin_id,
            "change": change.kind,
            "current": _package(change.current),
            "incoming": _package(change.incoming),
            "models": {
                "added": {m.key: m.after for m in change.models if m.before is None},
                "removed": {m.key: m.before for m in change.models if m.after is None},
                "changed": {m.key: {name: list(values) for name, values in m.changed_values().items()}
                            for m in change.models if m.before is not None and m.after is not None},
            },
            "metadata": {key: [before, after] for key, before, after in change.metadata},
        } for change in self.changes]
        return json.dumps({"from": self.source, "to": self.target, "plugins": plugins, "unchanged": self.unchanged},
                          indent=2, sort_keys=True)


def diff_indexes(source: Index, target: Index, source_name: str, target_name: str) -> IndexDiff:
    """What promoting every id of ``source`` into ``target`` would change."""
    diff = IndexDiff(source_name, target_name)
    for plugin_id in sorted({pid for pid, _ in source.items()} | {pid for pid, _ in target.items()}):
        incoming, current = source.get(plugin_id), target.get(plugin_id)
        if current is None:
            diff.changes.append(PluginChange(plugin_id, NEW, None, incoming, _model_changes(None, incoming)))
        elif incoming is None:
            diff.changes.append(PluginChange(plugin_id, ONLY_IN_TARGET, current, None))
        elif incoming == current:
            diff.unchanged.append(plugin_id)
        else:
            diff.changes.append(PluginChange(plugin_id, _kind(current, incoming), current, incoming,
                                             _model_changes(current, incoming), _metadata_changes(current, incoming)))
    return diff


def _kind(current: dict, incoming: dict) -> str:
    before, after = Version(current["version"]), Version(incoming["version"])
    if after > before:
        return UPGRADE
    if after < before:
        return DOWNGRADE
    return REBUILT  # same version, other content (a version that ranks the same counts as the same)


def _capabilities(entry: dict | None) -> dict:
    capabilities = (entry or {}).get("capabilities")
    if not isinstance(capabilities, dict):
        return {}
    return {key: value if isinstance(value, dict) else {} for key, value in capabilities.items()}


def _model_changes(current: dict | None, incoming: dict | None) -> tuple[ModelChange, ...]:
    before, after = _capabilities(current), _capabilities(incoming)
    return tuple(ModelChange(key, before.get(key), after.get(key)) for key in sorted(before.keys() | after.keys())
                 if before.get(key) != after.get(key))


def _metadata_changes(current: dict, incoming: dict) -> tuple[tuple[str, object, object], ...]:
    keys = sorted((current.keys() | incoming.keys()) - _OWN_TERMS)
    return tuple((key, current.get(key), incoming.get(key)) for key in keys if current.get(key) != incoming.get(key))


def _model_lines(models: tuple[ModelChange, ...]) -> list[str]:
    lines = []
    for model in models:
        if model.before is None:
            lines.append(f"+ {model.key}{_values(model.after)}")
        elif model.after is None:
            lines.append(f"- {model.key}")
        else:
            changed = ", ".join(f"{name} {_shown(before, plain=True)} -> {_shown(after, plain=True)}"
                                for name, (before, after) in model.changed_values().items())
            lines.append(f"~ {model.key}: {changed}")
    return lines


def _values(capabilities: dict) -> str:
    return f" ({', '.join(f'{k} {format_value(v)}' for k, v in sorted(capabilities.items()))})" if capabilities else ""


def _shown(value: object, plain: bool = False) -> str:
    if value is None:
        return "(none)"
    return format_value(value) if plain else json.dumps(value, ensure_ascii=False)


def _package(entry: dict | None) -> dict | None:
    if entry is None:
        return None
    return {key: entry[key] for key in ("version", *PACKAGE_KEYS)}
