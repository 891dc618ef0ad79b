"""Every task's options as `inv --help TASK` shows them: one meaning per short flag, the shared policy, values shown."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

import tasks
from tests.conftest import run_inv

# The short-flag policy every task follows (ROSTER2.md), written out here so that a change
# of the code's table cannot pass unnoticed.
POLICY = {"-r": "--repo", "-b": "--build-dir", "-p": "--plugins-dir", "-c": "--channel", "-d": "--dry-run",
          "-f": "--force", "-v": "--verbose", "-j": "--jobs", "-s": "--selector", "-m": "--model", "-t": "--to",
          "-a": "--all"}
LONG_ONLY = {"--json", "--from", "--strict", "--provd", "--against", "--summary", "--changed", "--firmware-dir"}
OPTION_LINE = re.compile(r"^  (?:(-\w)(?: (\S+))?, )?(--(?:\[no-\])?[\w-]+)(?:=(\S+))?(?:\s|$)")


def task_names(tmp_path) -> list[str]:
    listed = run_inv("--list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines() if line.startswith("  ") and line.strip()
             and not line.startswith("    ")]
    assert len(names) >= 19 and {"build", "validate", "promote", "diff", "list", "upload"} <= set(names)
    return names


def options_of(help_text: str) -> list[tuple[str | None, str | None, str, str | None]]:
    """(short flag, its value, long flag, its value) of each option line of `inv --help TASK`."""
    section = help_text.split("Options:", 1)[1]
    found = [OPTION_LINE.match(line) for line in section.splitlines() if re.match(r"^  -", line)]
    assert all(found), section
    return [match.groups() for match in found]


@pytest.fixture(scope="module")
def helps(tmp_path_factory) -> dict[str, str]:
    cwd = tmp_path_factory.mktemp("help")
    names = task_names(cwd)
    with ThreadPoolExecutor(4) as pool:
        done = dict(zip(names, pool.map(lambda name: run_inv("--help", name, cwd=cwd), names)))
    assert all(d.returncode == 0 and d.stderr == "" for d in done.values()), done
    return {name: d.stdout for name, d in done.items()}


def test_each_short_flag_has_one_meaning_across_tasks(helps):
    meanings: dict[str, set[str]] = {}
    for name, text in helps.items():
        for short, _, long, _ in options_of(text):
            if short:
                meanings.setdefault(short, set()).add(long)
    assert all(len(longs) == 1 for longs in meanings.values()), meanings
    assert {short: longs.pop() for short, longs in meanings.items()} == \
        {short: long for short, long in POLICY.items() if short in meanings}  # no short flag outside the policy
    assert {"-s", "-f", "-j", "-r", "-d", "-p", "-b", "-c", "-t", "-v", "-m"} <= set(meanings)


def test_policy_options_have_their_flag_and_the_others_none(helps):
    longs_to_short = {long: short for short, long in POLICY.items()}
    for name, text in helps.items():
        for short, _, long, _ in options_of(text):
            assert short == longs_to_short.get(long), (name, short, long)
            assert not (long in LONG_ONLY and short), (name, long)
    # The clashes of before: -s (selector/strict), -f (force/from), -j (jobs/json), -r (repo/provd).
    validate = options_of(helps["validate"])
    assert (None, "--strict") in {(s, long) for s, _, long, _ in validate}
    assert ("-s", "--selector") in {(s, long) for s, _, long, _ in validate}
    assert (None, "--from") in {(s, long) for s, _, long, _ in options_of(helps["promote"])}
    assert (None, "--json") in {(s, long) for s, _, long, _ in options_of(helps["diff"])}


def test_options_taking_a_value_show_it(helps):
    """Repeatable options (--selector, --plugin-id, --models) included: `-s STRING, --selector=STRING`."""
    repeatable = 0
    for name, text in helps.items():
        shown = {long: (short, short_value, long_value) for short, short_value, long, long_value in options_of(text)}
        body = getattr(tasks, name.replace("-", "_"), None) or getattr(tasks, name.replace("-", "_") + "_")
        for argument in body.get_arguments():
            long = "--" + argument.name.replace("_", "-").rstrip("-")
            short, short_value, long_value = shown[long]
            if argument.takes_value:
                assert long_value and (short is None or short_value == long_value), (name, long)
            else:
                assert long_value is None and short_value is None, (name, long)
            repeatable += argument.kind is list
    assert repeatable >= 6  # build/validate/test --selector, promote/remove --plugin-id, new-plugin --models
    assert "  -s STRING, --selector=STRING" in helps["build"]
    assert "  --plugin-id=STRING" in helps["promote"]


def test_short_flags_work_as_documented(tmp_path):
    """-s is a selector in validate (not --strict), -f is --force in promote (not --from)."""
    (tmp_path / "plugins/acme").mkdir(parents=True)
    (tmp_path / "plugins/acme/build.py").write_text("")
    done = run_inv("validate", "-p", "plugins", "-s", "nothing-like-this", cwd=tmp_path)
    assert done.returncode == 1 and "'nothing-like-this'" in done.stderr, done.stderr
    (tmp_path / "repo/dev").mkdir(parents=True)
    (tmp_path / "repo/dev/plugins.db").write_text("{}")  # a dev channel with nothing in it
    done = run_inv("promote", "-r", str(tmp_path / "repo"), "-d", "-f", "acme", cwd=tmp_path)
    # acme looked up in the dev channel: -f did not take it for --from (before: "unknown channel 'acme'")
    assert done.returncode == 1 and "no plugin 'acme' in the dev channel" in done.stderr, done.stderr
