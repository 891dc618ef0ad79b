"""A removal racing a publish of the same package: no index ever names a deleted file.

The interleavings are forced deterministically (hooks on the storage, events between
threads, a driven clock), then raced for real by processes, on both backends; after
every step the repository must pass the consistency check (`inv check`).
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import subprocess
import sys
import threading
from typing import Callable, Iterator

import pytest

from repo.errors import ToolchainError
from repo.publish import claims
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.check import check_repository
from repo.publish.plan import apply, plan_promote, plan_remove, plan_upload
from repo.publish.stablesync import download_stable, plan_upload_stable
from repo.publish.tidy import plan_tidy, tidy
from repo.ui.progress import TransferProgress
from tests.conftest import INV, ROOT, run_inv
from tests.repo_fixtures import dev_build
from tests.s3server import new_bucket


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def assert_consistent(storage) -> None:
    report = check_repository(storage)
    assert report.problems == []


def versions(storage, channel: str) -> dict[str, str]:
    return {pid: entry["version"] for pid, entry in read_index(storage, channel).index.items()}


class Hooked:
    """The real storage; ``hooks[(operation, key)]`` runs once, just before that operation."""

    def __init__(self, inner, hooks: dict):
        self.inner, self.hooks = inner, hooks

    def __getattr__(self, name):
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            hook = self.hooks.pop((name, args[0] if args else None), None)
            if hook is not None:
                hook()
            return attribute(*args, **kwargs)
        return call


@pytest.fixture
def storage(repo_address):
    return open_repository(repo_address)


@pytest.fixture
def built(tmp_path):
    return dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"})


def published(storage, built, stable: list[str]) -> None:
    """dev indexes acme and beta; stable indexes ``stable``."""
    apply(plan_upload(storage, built / "dev"), quiet())
    if stable:
        apply(plan_promote(storage, "dev", "stable", stable), quiet())
    assert_consistent(storage)


# --- forced interleavings ----------------------------------------------------------------------

@pytest.mark.parametrize("publisher", ["promote", "upload"])
def test_a_removal_between_planning_and_applying_is_repaired_by_the_publish(storage, built, publisher):
    """The issue's example: the publisher planned `keep`, the remover deleted the file, the publisher indexes it."""
    published(storage, built, ["acme"])
    channel = "stable" if publisher == "promote" else "dev"
    plan = plan_promote(storage, "dev", "stable", ["acme", "beta"]) if publisher == "promote" \
        else plan_upload(storage, built / "dev")
    first = plan.staged[0]
    assert (first.package.plugin_id, first.action) == ("acme", "keep")
    apply(plan_remove(storage, channel, ["acme"]), quiet())
    assert "acme-0.3.tar.bz2" not in storage.list(channel)
    assert_consistent(storage)
    outcome = apply(plan, quiet())
    assert "acme-0.3.tar.bz2" in outcome.transferred  # put back from the source the publisher has
    assert versions(storage, channel)["acme"] == "0.3"
    assert_consistent(storage)


def test_a_removal_just_before_the_index_write_leaves_the_files_the_publisher_claimed(storage, built):
    published(storage, built, ["acme"])
    removal = []

    def remove_acme():
        removal.append(apply(plan_remove(storage, "stable", ["acme"]), quiet()))
        assert_consistent(storage)

    hooked = Hooked(storage, {("put_if", "stable/plugins.db"): remove_acme})
    apply(plan_promote(hooked, "dev", "stable", ["acme", "beta"]), quiet())
    [outcome] = removal
    assert outcome.archived == ["acme-0.3.tar.bz2"] and outcome.deleted == []  # the publish claim kept the file
    assert versions(storage, "stable") == {"acme": "0.3", "beta": "1.0"}
    assert_consistent(storage)


def test_a_publisher_waits_for_a_removal_that_claimed_its_file(storage, built, monkeypatch):
    """The remover is stopped right before deleting; the publisher must wait for it, then put the file back."""
    published(storage, built, ["acme"])
    remover_ready, go, publisher_waiting = threading.Event(), threading.Event(), threading.Event()

    def stop_before_deleting():
        remover_ready.set()
        assert go.wait(60)

    def waiting(seconds: float) -> None:
        publisher_waiting.set()
        go.wait(60)

    monkeypatch.setattr(claims, "pause", waiting)
    errors = []

    def run(work):
        try:
            work()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    hooked = Hooked(storage, {("delete", "stable/acme-0.3.tar.bz2"): stop_before_deleting})
    remover = threading.Thread(target=run, args=(lambda: apply(plan_remove(hooked, "stable", ["acme"]), quiet()),))
    remover.start()
    assert remover_ready.wait(60)
    publisher = threading.Thread(target=run, args=(
        lambda: apply(plan_promote(storage, "dev", "stable", ["acme", "beta"]), quiet()),))
    publisher.start()
    assert publisher_waiting.wait(60), "the publisher did not wait for the removal's claim"
    assert publisher.is_alive() and versions(storage, "stable") == {}
    go.set()
    remover.join(60)
    publisher.join(60)
    assert errors == []
    assert versions(storage, "stable") == {"acme": "0.3", "beta": "1.0"}
    assert_consistent(storage)


def test_a_rerun_repairs_an_index_naming_a_missing_file(storage, built):
    published(storage, built, ["acme", "beta"])
    for channel in ("dev", "stable"):
        storage.delete(f"{channel}/acme-0.3.tar.bz2")  # however it happened
    assert len(check_repository(storage).problems) == 2
    with pytest.raises(ToolchainError, match=r"dev/acme-0\.3\.tar\.bz2: missing, although its index names it$"):
        plan_promote(storage, "dev", "stable", ["acme"])  # its source lacks it too: nothing to copy
    planners = [(lambda: plan_upload(storage, built / "dev"), "upload"),  # dev first: promote copies from it
                (lambda: plan_promote(storage, "dev", "stable", ["acme"]), "copy")]
    for planner, action in planners:
        plan = planner()
        assert f"  {action:<8} acme-0.3.tar.bz2" in "\n".join(plan.lines())
        assert plan.notes == [(f"acme-0.3.tar.bz2 is missing from {plan.channel}/ although its index names it: "
                               "putting it back")]
        assert apply(plan, quiet()).transferred == ["acme-0.3.tar.bz2"]
    assert_consistent(storage)


# --- claims left behind by killed processes ------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_killed_removals_claim_is_waited_for_until_it_expires(storage, built, monkeypatch):
    published(storage, built, ["acme"])
    clock = Clock()
    monkeypatch.setattr(claims, "clock", clock)
    claims.Held(storage, "stable", claims.DELETE, ["acme-0.3.tar.bz2"])  # never released: the remover was killed
    clock.now += 60

    def waiting(seconds: float) -> None:
        clock.now += 300  # time passes while the publisher waits

    monkeypatch.setattr(claims, "pause", waiting)
    notes = io.StringIO()
    apply(plan_promote(storage, "dev", "stable", ["acme", "beta"]), TransferProgress(notes))
    assert "waiting for a removal in progress to finish with acme-0.3.tar.bz2: its claim " in notes.getvalue()
    assert clock.now >= 1_800_000_000.0 + claims.LIFETIME
    assert storage.list("stable/.claims") == []  # the expired claim was deleted
    assert_consistent(storage)


def test_a_killed_publishers_claim_keeps_its_files_until_it_expires(storage, built, monkeypatch):
    published(storage, built, ["acme"])
    clock = Clock()
    monkeypatch.setattr(claims, "clock", clock)
    claims.Held(storage, "stable", claims.PUBLISH, ["acme-0.3.tar.bz2"])
    outcome = apply(plan_remove(storage, "stable", ["acme"]), quiet())
    assert outcome.deleted == [] and "acme-0.3.tar.bz2" in storage.list("stable")
    report = check_repository(storage)
    assert report.problems == [] and any("acme-0.3.tar.bz2: not indexed" in n for n in report.notes)
    assert any("claim of a publish" in note for note in report.notes)
    clock.now += claims.LIFETIME
    assert apply(plan_remove(storage, "stable", ["acme"]), quiet()).deleted == ["acme-0.3.tar.bz2"]
    assert_consistent(storage)


# --- raced for real ------------------------------------------------------------------------------

@contextlib.contextmanager
def racers(env: dict) -> Iterator[Callable[[list[str]], list[str]]]:
    """Two started racing processes (tests/racer.py); yields: give each a command at once, get their answers."""
    processes = [subprocess.Popen([sys.executable, "-m", "tests.racer"], cwd=ROOT, env={**os.environ, **env},
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    shift = random.Random(14)

    def race(commands: list[str]) -> list[str]:
        for process, command in zip(processes, commands):
            process.stdin.write(f"{shift.randrange(20000)} {command}\n")  # shifted by up to 20 ms
            process.stdin.flush()
        return [process.stdout.readline().strip() for process in processes]

    try:
        yield race
    finally:
        for process in processes:
            process.stdin.close()
            process.wait(30)


@pytest.mark.parametrize("backend, rounds", [("local", 30), ("s3", 5)])
@pytest.mark.parametrize("scenario", ["promote", "upload"])
def test_publish_and_remove_raced_by_processes(backend, rounds, scenario, tmp_path, request, built):
    """A publish of acme and beta and a removal of acme, started together round after round, each round checked.

    The code before the claims protocol left an index naming a deleted file in about one
    round in ten of these.
    """
    env = request.getfixturevalue("aws_env") if backend == "s3" else {}
    bucket = new_bucket(env["AWS_ENDPOINT_URL"]) if backend == "s3" else None
    channel = "stable" if scenario == "promote" else "dev"
    acme_only = dev_build(tmp_path / "acme-only", {"acme": "0.3"})
    with racers(env) as race:
        for round_number in range(rounds):
            address = f"s3://{bucket}/round-{round_number}" if bucket else str(tmp_path / f"repo-{round_number}")
            storage = open_repository(address)
            apply(plan_upload(storage, (built if scenario == "promote" else acme_only) / "dev"), quiet())
            if scenario == "promote":
                apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
            publish = "promote acme beta" if scenario == "promote" else f"upload {built}"
            assert race([f"{address} {publish}", f"{address} remove {channel} acme"]) == ["done", "done"]
            assert versions(storage, channel).get("beta") == "1.0"
            assert_consistent(storage)
    result = run_inv("check", "--repo", address, cwd=tmp_path, env=env)
    assert result.returncode == 0 and result.stdout.endswith(": ok\n"), result.stdout + result.stderr


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_the_commands_raced_then_inv_check(backend, tmp_path, request, built):
    """`inv promote` and `inv remove` as a user starts them, at the same time, then `inv check`."""
    env = request.getfixturevalue("aws_env") if backend == "s3" else {}
    address = f"s3://{new_bucket(env['AWS_ENDPOINT_URL'])}/plugins" if backend == "s3" else str(tmp_path / "repo")
    published(open_repository(address), built, ["acme"])
    processes = [subprocess.Popen([*INV, *command, "--repo", address], cwd=tmp_path, env={**os.environ, **env},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for command in (["promote", "acme", "beta"], ["remove", "--channel", "stable", "acme"])]
    for process in processes:
        assert process.wait(120) == 0, process.stderr.read()
    result = run_inv("check", "--repo", address, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"{open_repository(address).url()}: 3 channels, " \
        f"{result.stdout.split(', ')[1].split()[0]} packages checked: 0 problems: ok"


def test_a_publish_waits_only_for_the_removals_it_saw_first(storage, built, monkeypatch):
    """Removals that claim the file after the publisher did see its claim: waiting for them could last forever."""
    published(storage, built, ["acme"])
    first = claims.Held(storage, "stable", claims.DELETE, ["acme-0.3.tar.bz2"])
    later = []

    def while_waiting(seconds: float) -> None:
        if not later:  # another removal claims the file, then the first one finishes
            later.append(claims.Held(storage, "stable", claims.DELETE, ["acme-0.3.tar.bz2"]))
            first.release()

    monkeypatch.setattr(claims, "pause", while_waiting)
    apply(plan_promote(storage, "dev", "stable", ["acme", "beta"]), quiet())
    assert len(later) == 1 and later[0].key.rsplit("/", 1)[-1] in storage.list("stable/.claims")
    assert versions(storage, "stable") == {"acme": "0.3", "beta": "1.0"}
    assert_consistent(storage)


# --- a publish refused at the index step leaves nothing behind ---------------------------------------

def stable_folder_with_beta(storage, built, folder) -> None:
    """`inv download-stable` into ``folder``, then beta's package added: what upload-stable would publish."""
    download_stable(storage, folder, quiet())
    shutil.copy(built / "dev/beta-1.0.tar.bz2", folder)


def packages_in(storage, channel: str) -> set[str]:
    return {name for name in storage.list(channel) if name.endswith(".tar.bz2")}


@pytest.mark.parametrize("meanwhile", ["remove acme", "promote beta"])
def test_an_upload_stable_refused_at_the_index_step_removes_what_it_staged(storage, built, tmp_path, meanwhile):
    """Someone changes stable between upload-stable's staging and its index write: the refusal leaves no orphan.

    When the other change indexes the very file staged (a promote of the same package), the file stays.
    """
    published(storage, built, ["acme"])
    folder = tmp_path / "stable"
    stable_folder_with_beta(storage, built, folder)
    plan = plan_upload_stable(storage, folder)
    assert [(s.package.filename, s.action) for s in plan.staged] == [("acme-0.3.tar.bz2", "keep"),
                                                                      ("beta-1.0.tar.bz2", "upload")]

    def other_publisher():
        if meanwhile == "remove acme":
            apply(plan_remove(storage, "stable", ["acme"]), quiet())
        else:
            apply(plan_promote(storage, "dev", "stable", ["beta"]), quiet())

    # Just after beta is uploaded, when the publish writes the new index (compare-and-swap).
    plan.storage = Hooked(storage, {("put_if", "stable/plugins.db"): other_publisher})
    output = io.StringIO()
    with pytest.raises(ToolchainError, match="changed since it was downloaded"):
        apply(plan, TransferProgress(output))
    if meanwhile == "remove acme":
        assert packages_in(storage, "stable") == set()
        assert f"deleted {storage.url('stable/beta-1.0.tar.bz2')} (staged by this refused publish; no index " \
               "names it)" in output.getvalue()  # named
    else:
        assert packages_in(storage, "stable") == {"acme-0.3.tar.bz2", "beta-1.0.tar.bz2"}
        assert "deleted" not in output.getvalue()
    assert packages_in(storage, "stable") == read_index(storage, "stable").index.filenames()
    assert storage.list("stable/.claims") == []
    assert_consistent(storage)


@pytest.mark.parametrize("backend, rounds", [("local", 20), ("s3", 5)])
def test_upload_stable_and_remove_raced_by_processes_leave_no_orphan(backend, rounds, tmp_path, request, built):
    """upload-stable (adding beta) and a removal of acme started together: whichever wins, no package is orphaned."""
    env = request.getfixturevalue("aws_env") if backend == "s3" else {}
    bucket = new_bucket(env["AWS_ENDPOINT_URL"]) if backend == "s3" else None
    answers = []
    with racers(env) as race:
        # At least ``rounds`` rounds, and on until the refusal (whose leftovers are the point) has happened.
        for round_number in range(6 * rounds):
            if round_number >= rounds and any(answer != "done" for answer in answers):
                break
            address = f"s3://{bucket}/round-{round_number}" if bucket else str(tmp_path / f"repo-{round_number}")
            storage = open_repository(address)
            published(storage, built, ["acme"])
            folder = tmp_path / f"stable-{round_number}"
            stable_folder_with_beta(storage, built, folder)
            answer = race([f"{address} upload-stable {folder}", f"{address} remove stable acme"])
            assert answer[1] == "done" and (answer[0] == "done" or "changed since it was downloaded" in answer[0])
            answers.append(answer[0])
            left = packages_in(storage, "stable") - read_index(storage, "stable").index.filenames()
            if answer[0] == "done" and left:
                # The removal ran while upload-stable still held its claim on acme's file, and left
                # it (the protocol): tidying, by the next publish or `inv tidy`, archives it.
                assert left == {"acme-0.3.tar.bz2"}
                tidy(plan_tidy(storage, "stable"), quiet())
            assert packages_in(storage, "stable") == read_index(storage, "stable").index.filenames()
            assert_consistent(storage)
    assert any(answer != "done" for answer in answers)  # the refusal, whose leftovers are the point, happened


def test_a_claim_dated_far_in_the_future_does_not_block_publishing_forever(storage, built, monkeypatch):
    """Clocks may differ by LIFETIME - HOLD at most: a claim dated later than that is bogus, not live."""
    published(storage, built, ["acme"])
    clock = Clock()
    monkeypatch.setattr(claims, "clock", clock)
    future = int((clock.now + 1000 * 365 * 24 * 3600) * 1000)
    storage.put(f"stable/.claims/delete-{future}-{'0' * 16}.json", b'{"files": ["acme-0.3.tar.bz2"]}')
    soon = int((clock.now + 60) * 1000)  # a clock a minute ahead: honoured
    storage.put(f"stable/.claims/delete-{soon}-{'1' * 16}.json", b'{"files": ["beta-1.0.tar.bz2"]}')

    def waiting(seconds: float) -> None:
        clock.now += 300
        assert clock.now < 1_800_000_000.0 + 2 * claims.LIFETIME, "still waiting for the future-dated claim"

    monkeypatch.setattr(claims, "pause", waiting)
    notes = io.StringIO()
    apply(plan_promote(storage, "dev", "stable", ["acme", "beta"]), TransferProgress(notes))
    assert "beta-1.0.tar.bz2" in notes.getvalue() and "acme-0.3.tar.bz2" not in notes.getvalue()
    assert storage.list("stable/.claims") == []
    assert_consistent(storage)
