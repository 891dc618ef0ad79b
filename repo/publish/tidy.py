"""`inv tidy`: move the packages of a channel that its index does not name to the archive.

Such orphans come from a publish interrupted between its upload and its index write,
or from a file put there by hand. Each one is checked (it must read as a package),
copied to ``archive/`` and indexed there (the archive keeps every package), then
deleted from the channel under the claims protocol (repo.publish.deletion): a file
the index names, or a publish in progress claims, is never touched.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from repo.errors import ToolchainError
from repo.package.archive import PackageInfo
from repo.package.index import entry_for
from repo.publish.channel import check_channel, read_index
from repo.publish.claims import PUBLISH, list_claims
from repo.publish.deletion import delete_unindexed
from repo.publish.httpmeta import PACKAGE_SUFFIX
from repo.publish.plan import ARCHIVE, archive, fetch_package
from repo.publish.storage import Stat, Storage
from repo.ui.progress import TransferProgress, format_bytes

TIDIED = ("dev", "stable")  # the archive keeps what it is given: nothing there is an orphan


@dataclass
class TidyPlan:
    """The orphans of one channel: to copy to the archive (then delete), or already there (delete only)."""

    storage: Storage
    channel: str
    orphans: dict[str, Stat] = field(default_factory=dict)  # file name -> its size and SHA-1
    archived: set[str] = field(default_factory=set)  # orphans the archive holds with the same bytes
    claimed: set[str] = field(default_factory=set)  # orphans a publish in progress claims: left alone
    packages: dict[str, PackageInfo] = field(default_factory=dict)  # orphans read as packages: to archive
    left: dict[str, str] = field(default_factory=dict)  # orphans that cannot be moved, and why: left in place
    indexed: bool = True  # whether the channel has an index at all

    def lines(self) -> list[str]:
        lines = [f"{self.channel} channel of {self.storage.url()}: {len(self.orphans)} unindexed package(s)"]
        for name, stat in sorted(self.orphans.items()):
            if name in self.claimed:
                lines.append(f"  {'leave':<8} {name} (a publish in progress claims it)")
            elif name in self.left:
                lines.append(f"  {'leave':<8} {name} ({self.left[name]})")
            elif name in self.archived:
                lines.append(f"  {'delete':<8} {name} ({format_bytes(stat.size)}, {ARCHIVE}/ has the same bytes)")
            else:
                lines.append(f"  {'archive':<8} {name} ({format_bytes(stat.size)}, then delete it from "
                             f"{self.channel}/)")
        return lines


def plan_tidy(storage: Storage, channel: str) -> TidyPlan:
    if check_channel(channel) not in TIDIED:
        raise ToolchainError(f"the {channel} channel keeps every package it received: nothing to tidy there")
    plan = TidyPlan(storage, channel)
    current = read_index(storage, channel)
    plan.indexed, named = current.data is not None, current.index.filenames()
    for name in storage.list(channel):
        if name.endswith(PACKAGE_SUFFIX) and name not in named:
            stat = storage.stat(f"{channel}/{name}")
            if stat is not None:
                plan.orphans[name] = stat
    if plan.orphans:
        claims = [claim for claim in list_claims(storage, channel) if claim.kind == PUBLISH and not claim.expired()]
        plan.claimed = {name for name in plan.orphans if any(claim.covers(name) for claim in claims)}
        # Each one read now, so that the dry run already says which orphans cannot be moved (they are few).
        for name in sorted(set(plan.orphans) - plan.claimed):
            there = storage.stat(f"{ARCHIVE}/{name}")
            if there == plan.orphans[name]:
                plan.archived.add(name)
                continue
            if there is not None:
                plan.left[name] = f"{ARCHIVE}/ holds other bytes under that name"
                continue
            try:
                plan.packages[name] = fetch_package(storage, f"{channel}/{name}", plan.orphans[name], rules=False)
            except ToolchainError as exc:
                plan.left[name] = exc.message
    return plan


def tidy(plan: TidyPlan, progress: TransferProgress | None = None) -> list[str]:
    """Move the plan's orphans to the archive; the names deleted from the channel (each also noted)."""
    progress = progress or TransferProgress()
    storage, channel = plan.storage, plan.channel
    movable = plan.archived - plan.claimed
    for name, package in sorted(plan.packages.items()):
        try:
            archive(storage, channel, [(package.plugin_id, entry_for(package))], False, progress)
        except ToolchainError as exc:
            plan.left[name] = exc.message
            progress.note(f"left {storage.url(f'{channel}/{name}')} in place: {exc.message}")
            continue
        movable.add(name)
    # The claims protocol decides again, at deletion time, what a publish claims or the index names.
    return delete_unindexed(storage, channel, movable, f"moved to {ARCHIVE}/", progress.note)
