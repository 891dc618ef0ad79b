"""`inv list` and `inv diff`: a channel's plugins and models, and what a promotion would change."""
from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from repo.catalog.listing import heading, select, show, to_json
from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.ui.progress import TransferProgress
from tests.conftest import run_inv
from tests.repo_fixtures import dev_build


def entry(version: str, capabilities: dict, description: str = "Phones") -> dict:
    return {"version": version, "description": description, "capabilities": capabilities,
            "filename": f"p-{version}.tar.bz2", "dsize": 10, "sha1sum": "0" * 40}


INDEX = Index({
    "xivo-digium": entry("0.3", {"Digium, D40, 1.4": {"lines": 2}, "Digium, D70, 1.4": {}, "Digium, D40, 2.0": {}}),
    "xivo-acme": entry("1.0", {"Acme, P1, *": {}}),
    "xivo-any": entry("2.0", {"*, *, *": {}}),
})


def test_model_filter_is_case_insensitive_on_vendor_model_or_both():
    assert [(i.plugin_id, [m.key for m in i.models]) for i in select(INDEX, "d40")] == \
        [("xivo-digium", ["Digium, D40, 1.4", "Digium, D40, 2.0"])]
    assert [i.plugin_id for i in select(INDEX, "DIGIUM d7")] == ["xivo-digium"]
    assert [i.plugin_id for i in select(INDEX, "acme")] == ["xivo-acme"]
    assert select(INDEX, "nokia") == []
    assert [i.plugin_id for i in select(INDEX)] == ["xivo-acme", "xivo-any", "xivo-digium"]


def test_heading_says_what_is_listed():
    assert heading(select(INDEX), "/srv/repo", "dev", None) == "dev channel of /srv/repo: 3 plugin(s)"
    assert heading(select(INDEX, "p1"), "/srv/repo", "dev", "p1") == \
        "dev channel of /srv/repo: 1 plugin(s) with a model matching 'p1'"
    assert heading([], "/srv/repo", "dev", "p9") == "no plugin of the dev channel of /srv/repo supports a model " \
                                                     "matching 'p9'"
    assert heading(select(Index()), "/srv/repo", "dev", None) == "the dev channel of /srv/repo has no plugins"


def test_json_listing_has_stable_keys():
    document = json.loads(to_json(select(INDEX, "D70"), "s3://bucket/plugins", "stable", "D70"))
    assert document == {
        "repository": "s3://bucket/plugins", "channel": "stable", "model_filter": "D70",
        "plugins": [{"id": "xivo-digium", "version": "0.3", "description": "Phones", "filename": "p-0.3.tar.bz2",
                     "dsize": 10, "sha1sum": "0" * 40,
                     "models": [{"vendor": "Digium", "model": "D70", "firmware": "1.4", "capabilities": {}}]}],
    }


def test_table_shows_published_text_as_text():
    hostile = Index({"[red]x[/red]": entry("1.0", {"Acme, P1, *": {}}, "clear\x1b[2J screen [bold]now[/bold]")})
    for width in (200, 40):  # a table, and the stacked layout of narrow terminals
        out = io.StringIO()
        show(select(hostile), Console(file=out, width=width, force_terminal=True))
        text = out.getvalue()
        assert "[red]x[/red]" in text and "[bold]now[/bold]" in text  # no markup applied
        assert "\x1b[2J" not in text and "clear\\x1b[2J screen" in text  # no escape reaches the terminal
        assert "Acme P1" in text


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


@pytest.fixture
def published(repo_address, tmp_path) -> str:
    """A repository (both backends) with acme 0.4 and beta 1.0 in dev, acme 0.3 in stable."""
    storage = open_repository(repo_address)
    apply(plan_upload(storage, dev_build(tmp_path / "one", {"acme": "0.3"}) / "dev"), quiet())
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    apply(plan_upload(storage, dev_build(tmp_path / "two", {"acme": "0.4", "beta": "1.0"},
                                         description="Acme and Beta phones") / "dev"), quiet())
    return repo_address


def test_inv_list_and_diff(published, tmp_path):
    table = run_inv("list", "--repo", published, "--channel", "dev", cwd=tmp_path, env={"COLUMNS": "120"})
    assert table.returncode == 0, table.stderr
    assert f"dev channel of {open_repository(published).url()}: 2 plugin(s)" in table.stdout
    assert [line.split("│")[1:4] for line in table.stdout.splitlines() if line.startswith("│")] == [
        [" acme   ", " 0.4     ", " Acme P1 "], [" beta   ", " 1.0     ", " Acme P1 "]]

    listed = json.loads(run_inv("list", "--repo", published, "--model", "p1", "--json", cwd=tmp_path).stdout)
    assert (listed["channel"], [(p["id"], p["version"]) for p in listed["plugins"]]) == ("stable", [("acme", "0.3")])
    none = run_inv("list", "--repo", published, "--model", "nokia", cwd=tmp_path)
    assert none.returncode == 0 and "supports a model matching 'nokia'" in none.stdout

    diff = run_inv("diff", "--repo", published, "dev", "stable", cwd=tmp_path)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines()[:4] == [
        "promoting dev into stable: 1 new, 1 upgraded, 0 unchanged",
        "~ acme 0.3 -> 0.4: upgrade",
        '    ~ description: "A test plugin" -> "Acme and Beta phones"',
        "+ beta 1.0: new (1 model)",
    ]
    document = json.loads(run_inv("diff", "--repo", published, "--json", "--from", "stable", "--to", "dev",
                              cwd=tmp_path).stdout)
    assert [(p["id"], p["change"]) for p in document["plugins"]] == [("acme", "downgrade"), ("beta", "only-in-to")]


def test_inv_list_and_diff_mistakes(published, tmp_path):
    cases = [
        (("list", "--repo", published, "--channel", "prod"), "error: unknown channel 'prod' (channels: dev, stable, "
                                                             "archive)\n"),
        (("list", "--repo", f"{published}-empty"),
         f"error: {open_repository(published + '-empty').url('stable/plugins.db')}: nothing published to the stable "
         "channel yet (no plugins.db)\n"),
        (("diff", "--repo", published, "dev", "prod"), "error: unknown channel 'prod' (channels: dev, stable, "
                                                       "archive)\n"),
        (("diff", "--repo", f"{published}-empty", "dev", "stable"),
         f"error: {open_repository(published + '-empty').url()}: nothing published to the dev or the stable channel "
         "yet (no plugins.db)\n"),
    ]
    for args, message in cases:
        result = run_inv(*args, cwd=tmp_path)
        assert (result.returncode, result.stderr) == (1, message), args
