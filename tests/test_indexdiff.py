"""What promoting one index into another would change: the pure diff, its text and its JSON."""
from __future__ import annotations

import json

from repo.catalog.indexdiff import (
    DOWNGRADE,
    NEW,
    ONLY_IN_TARGET,
    REBUILT,
    UPGRADE,
    ModelChange,
    diff_indexes,
)
from repo.package.index import Index

P1 = {"lines": 2, "protocol": "sip", "type": "deskphone"}


def entry(version: str, capabilities: dict | None = None, sha1: str = "1", **extra) -> dict:
    return {"version": version, "description": "Acme phones", "capabilities": capabilities or {"Acme, P1, 1.0": P1},
            "filename": f"x-{version}.tar.bz2", "dsize": 10, "sha1sum": sha1 * 40, **extra}


def test_each_kind_of_change_per_id():
    dev = Index({
        "fresh": entry("1.0"),
        "bumped": entry("1.10", {"Acme, P1, 1.0": {**P1, "lines": 4, "function_keys": 8},
                                 "Acme, P2, *": {"lines": 1}}, description="Acme phones, now with P2",
                        description_fr="Téléphones Acme"),
        "older": entry("0.9"),
        "rebuilt": entry("2.0", sha1="b"),
        "same": entry("3.0"),
    })
    stable = Index({
        "bumped": entry("1.9", {"Acme, P1, 1.0": P1, "Acme, P0, 1.0": {}}),
        "older": entry("1.0-rc1"),
        "rebuilt": entry("2.0", sha1="a"),
        "same": entry("3.0"),
        "kept": entry("5.0"),
    })
    diff = diff_indexes(dev, stable, "dev", "stable")
    kinds = {change.plugin_id: change.kind for change in diff.changes}
    # 1.10 > 1.9 and 0.9 < 1.0-rc1: the one version ordering, not text order
    assert kinds == {"fresh": NEW, "bumped": UPGRADE, "older": DOWNGRADE, "rebuilt": REBUILT, "kept": ONLY_IN_TARGET}
    assert diff.unchanged == ["same"]
    bumped = next(c for c in diff.changes if c.plugin_id == "bumped")
    assert bumped.models == (
        ModelChange("Acme, P0, 1.0", {}, None),
        ModelChange("Acme, P1, 1.0", P1, {**P1, "lines": 4, "function_keys": 8}),
        ModelChange("Acme, P2, *", None, {"lines": 1}),
    )
    assert bumped.models[1].changed_values() == {"function_keys": (None, 8), "lines": (2, 4)}
    # filename, size and sha1 change with every version: they are not metadata changes
    assert bumped.metadata == (("description", "Acme phones", "Acme phones, now with P2"),
                               ("description_fr", None, "Téléphones Acme"))
    assert next(c for c in diff.changes if c.plugin_id == "fresh").models == (
        ModelChange("Acme, P1, 1.0", None, P1),)


def test_text_says_what_promote_would_do():
    dev = Index({"bumped": entry("1.1", {"Acme, P1, 1.0": {**P1, "lines": 4}}, description="new text"),
                 "older": entry("0.9"), "rebuilt": entry("2.0", sha1="b"), "fresh": entry("1.0")})
    stable = Index({"bumped": entry("1.0"), "older": entry("1.0"), "rebuilt": entry("2.0", sha1="a"),
                    "kept": entry("5.0")})
    assert diff_indexes(dev, stable, "dev", "stable").lines() == [
        "promoting dev into stable: 1 new, 1 upgraded, 1 downgraded, 1 rebuilt, 1 only in stable, 0 unchanged",
        "~ bumped 1.0 -> 1.1: upgrade",
        "    ~ Acme, P1, 1.0: lines 2 -> 4",
        '    ~ description: "Acme phones" -> "new text"',
        "+ fresh 1.0: new",
        "    + Acme, P1, 1.0 (lines 2, protocol sip, type deskphone)",
        "= kept 5.0: only in stable (promoting leaves it there)",
        "~ older 1.0 -> 0.9: downgrade (promote leaves it out: stable has the newer version)",
        "! rebuilt 2.0: same version, other package (sha1 aaaaaaaaaaaa -> bbbbbbbbbbbb; promote refuses it "
        "without --force)",
    ]


def test_identical_channels_and_empty_ones():
    same = Index({"a": entry("1.0")})
    assert diff_indexes(same, same, "dev", "stable").lines() == ["promoting dev into stable: 1 unchanged"]
    assert diff_indexes(Index(), Index(), "dev", "stable").lines() == ["promoting dev into stable: 0 unchanged"]
    assert [c.kind for c in diff_indexes(Index(), same, "dev", "stable").changes] == [ONLY_IN_TARGET]


def test_json_document():
    dev = Index({"bumped": entry("1.1", {"Acme, P1, 1.0": {**P1, "lines": 4}, "Acme, P2, *": {}}, vendor="Acme")})
    stable = Index({"bumped": entry("1.0", {"Acme, P1, 1.0": P1, "Acme, P0, 1.0": {"lines": 1}})})
    document = json.loads(diff_indexes(dev, stable, "dev", "stable").to_json())
    assert document == {
        "from": "dev", "to": "stable", "unchanged": [],
        "plugins": [{
            "id": "bumped", "change": "upgrade",
            "current": {"version": "1.0", "filename": "x-1.0.tar.bz2", "dsize": 10, "sha1sum": "1" * 40},
            "incoming": {"version": "1.1", "filename": "x-1.1.tar.bz2", "dsize": 10, "sha1sum": "1" * 40},
            "models": {"added": {"Acme, P2, *": {}}, "removed": {"Acme, P0, 1.0": {"lines": 1}},
                       "changed": {"Acme, P1, 1.0": {"lines": [2, 4]}}},
            "metadata": {"vendor": [None, "Acme"]},
        }],
    }


def test_odd_capabilities_from_another_tool_are_read_leniently():
    dev = Index({"a": entry("1.1", {"not a triple": "not an object"})})
    stable = Index({"a": {**entry("1.0"), "capabilities": []}})
    (change,) = diff_indexes(dev, stable, "dev", "stable").changes
    assert change.models == (ModelChange("not a triple", None, {}),)
