"""Publishing to a channel: plan what changes (what --dry-run prints), then apply it safely.

Every publish (upload, promote, remove, upload-stable) applies its plan in this order,
which is what makes an interruption harmless and a rerun complete it:

1. stage: each package the new index will name is put in the channel folder and
   verified (size, SHA-1); a file name already there with other bytes is refused;
2. archive: each package the new index stops naming (superseded, removed) is copied
   to ``archive/``, verified, and indexed there;
3. index: the channel's ``plugins.db`` is replaced by compare-and-swap; on a conflict
   the change is recomputed against the index another publisher just wrote. Before
   the first write the staged packages are claimed, and put back if missing;
4. tidy: files of the channel that its index no longer names and that ``archive/``
   holds with the same bytes are deleted, unless a publish in progress claims them.

Whatever stops the run, the index in place is a complete one whose packages are there;
the claims (repo.publish.claims) keep it so when a removal runs at the same time. A
publish refused at step 3 deletes what it staged that no index names before it reports
the refusal. Conflicts (a file name published with other bytes) are all found by the
plan and refused together, before anything is sent.
"""
from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from repo.errors import ToolchainError
from repo.fileutil import has_bytes, read_file
from repo.package import verdicts
from repo.package.archive import PackageInfo, read_package
from repo.package.checks import inspect_package, inspect_package_stream
from repo.package.index import INDEX_NAME, Index, entry_for, package_mismatch
from repo.package.version import Version
from repo.publish.channel import (
    ChannelIndex,
    check_channel,
    index_key,
    read_index,
    update_index,
)
from repo.publish.claims import (
    PUBLISH,
    Held,
    released_after_failure,
    wait_for_deletions,
)
from repo.publish.concurrency import CHECKING, run_all, together
from repo.publish.deletion import delete_unindexed
from repo.publish.httpmeta import PACKAGE_SUFFIX
from repo.publish.limits import PACKAGE_SIZE
from repo.publish.storage import Stat, Storage, VerificationFailed, download_verified
from repo.ui.progress import TransferProgress, format_bytes

ARCHIVE = "archive"
ABSENT = "absent"  # the base of a replacement made when the channel had no index


@dataclass(frozen=True)
class ChannelView:
    """A channel as a plan sees it: its index, and the files of its folder listed right after."""

    current: ChannelIndex
    present: frozenset[str]

    def holds(self, plugin_id: str, entry: dict) -> bool:
        """Whether the channel indexes exactly ``entry`` and has its file: bytes checked when they were indexed."""
        return self.current.index.get(plugin_id) == entry and entry["filename"] in self.present

    def held(self, path: Path) -> PackageInfo | None:
        """The package the channel indexes and holds under ``path``'s name, if ``path`` has its very bytes."""
        plugin_id, entry = self._by_filename.get(path.name, (None, None))
        if plugin_id is None or not self.holds(plugin_id, entry) or not _has_bytes(path, stat_of(entry)):
            return None
        return indexed_package(plugin_id, entry)

    @functools.cached_property
    def _by_filename(self) -> dict[str, tuple[str, dict]]:
        return {entry["filename"]: (plugin_id, entry) for plugin_id, entry in self.current.index.items()}


def view_channel(storage: Storage, channel: str) -> ChannelView:
    # One round trip for both. Either order is safe: a file missing from the listing is put back, and
    # one the index names is verified there (see plan_publish).
    current, listed = together(lambda: read_index(storage, channel), lambda: storage.list(channel))
    return ChannelView(current, frozenset(listed))


def indexed_package(plugin_id: str, entry: dict) -> PackageInfo:
    """The package an index entry describes, as checking its file gave it when it was indexed."""
    info = {key: value for key, value in entry.items() if key not in ("filename", "dsize", "sha1sum")}
    return PackageInfo(plugin_id, info, entry["filename"], entry["dsize"], entry["sha1sum"])


def stat_of(package: PackageInfo | dict) -> Stat:
    if isinstance(package, PackageInfo):
        return Stat(package.dsize, package.sha1sum)
    return Stat(package["dsize"], package["sha1sum"])


@dataclass(frozen=True)
class Staged:
    """A package to have in the channel folder before the index names it."""

    package: PackageInfo
    action: str  # upload | copy | replace (upload or copy over other bytes) | keep (already there)
    source: Path | str  # a local file, or the repository key to copy from


@dataclass(frozen=True)
class IndexChange:
    """What a publish does to an index, re-applied to whichever index is current when writing."""

    add: tuple[PackageInfo, ...] = ()
    remove: frozenset[str] = frozenset()
    base: str | None = None  # set: the index becomes exactly ``add``, if still the one with this SHA-1

    def check_base(self, current: ChannelIndex, where: str) -> None:
        """Refuse ``current`` unless it is still the index this change was made from (when it says one)."""
        if self.base is not None and (current.sha1 or ABSENT) != self.base:
            raise ToolchainError("changed since it was downloaded: run `inv download-stable` again and "
                                 "redo your changes", where)

    def apply(self, current: ChannelIndex, where: str) -> Index:
        if self.base is not None:
            self.check_base(current, where)
            return Index.from_packages(self.add)
        new = Index(dict(current.index.items()))
        for plugin_id in self.remove:
            if plugin_id in new:
                new.remove(plugin_id)
        for package in self.add:
            new.add(package.plugin_id, entry_for(package))
        return new

    def takes_out(self, plugin_id: str) -> bool:
        """Whether this change means ``plugin_id`` to leave the index altogether."""
        if self.base is not None:
            return all(package.plugin_id != plugin_id for package in self.add)
        return plugin_id in self.remove


@dataclass(frozen=True)
class Conflict:
    """A package whose file name the channel already has with other bytes: a published version never changes."""

    package: PackageInfo
    there: Stat
    url: str

    def line(self) -> str:
        return (f"{self.package.plugin_id} {self.package.version} {self.package.filename}: already published with "
                f"different content (sha1 {self.there.sha1}, yours {self.package.sha1sum})")


@dataclass
class Plan:
    """What a publish will do to one channel; ``lines()`` is what --dry-run prints."""

    storage: Storage
    channel: str
    before: ChannelIndex
    staged: list[Staged] = field(default_factory=list)
    change: IndexChange = IndexChange()
    force: bool = False
    notes: list[str] = field(default_factory=list)
    listed: frozenset[str] | None = None  # the channel's files, listed with ``before`` (None: not listed)
    conflicts: list[Conflict] = field(default_factory=list)  # refused unless forced: apply() raises

    @property
    def after(self) -> Index:
        return self.change.apply(self.before, self.storage.url(index_key(self.channel)))

    @property
    def unchanged(self) -> list[Staged]:
        return [staged for staged in self.staged if staged.action == "keep"]

    def lines(self, verbose: bool = True) -> list[str]:
        """The plan; without ``verbose`` the packages already in place are one count, not one line each."""
        after = self.after
        lines = [f"{self.channel} channel of {self.storage.url()}:"]
        for staged in self.staged:
            if verbose or staged.action != "keep":
                lines.append(f"  {staged.action:<8} {staged.package.filename} ({_describe(staged)})")
        lines += [f"  {'conflict':<8} {conflict.line()}" for conflict in self.conflicts]
        for plugin_id, entry in dropped_entries(self.before.index, after, self.staged):
            lines.append(f"  {'archive':<8} {entry['filename']} (then delete it from {self.channel}/)")
        lines += [f"  {'index':<8} {line}" for line in index_diff(self.before.index, after)]
        if after == self.before.index:
            lines.append(f"  {INDEX_NAME} unchanged")
        if not verbose and self.unchanged:
            lines.append(f"  {len(self.unchanged)} unchanged (already there with the same sha1; --verbose lists them)")
        lines += [f"  note: {note}" for note in self.notes]
        return lines

    def refusal(self) -> ToolchainError | None:
        """The error refusing the conflicts (all of them named), or None when there is none."""
        if not self.conflicts:
            return None
        if len(self.conflicts) == 1:
            [conflict] = self.conflicts
            return ToolchainError(f"already published with different content (sha1 {conflict.there.sha1}, yours "
                                  f"{conflict.package.sha1sum}): a published version never changes; bump the "
                                  "plugin version (or use --force to replace it)", conflict.url)
        names = ", ".join(conflict.package.filename for conflict in self.conflicts)
        return ToolchainError(f"{len(self.conflicts)} packages already published with different content ({names}): "
                              "a published version never changes; bump their versions (or use --force to replace "
                              "them)", self.storage.url(self.channel))


def _describe(staged: Staged) -> str:
    size = format_bytes(staged.package.dsize)
    if staged.action == "keep":
        return f"{size}, already there with the same sha1"
    if staged.action == "replace":
        return f"{size}, replacing different bytes: --force"
    return f"{size}, from {staged.source}"


def index_diff(before: Index, after: Index) -> list[str]:
    """One line per plugin id the change adds, upgrades, replaces or removes."""
    lines = []
    for plugin_id, entry in after.items():
        old = before.get(plugin_id)
        if old is None:
            lines.append(f"+ {plugin_id} {entry['version']}")
        elif old["version"] != entry["version"]:
            lines.append(f"~ {plugin_id} {old['version']} -> {entry['version']}")
        elif old != entry:
            lines.append(f"~ {plugin_id} {entry['version']} (new content)")
    lines += [f"- {plugin_id} {entry['version']}" for plugin_id, entry in before.items() if plugin_id not in after]
    return lines


def dropped_entries(before: Index, after: Index, staged: list[Staged]) -> list[tuple[str, dict]]:
    """Packages the channel holds (indexed or just staged) that ``after`` does not name."""
    named = after.filenames()
    dropped = {entry["filename"]: (plugin_id, entry) for plugin_id, entry in before.items()
               if entry["filename"] not in named}
    for item in staged:
        if item.package.filename not in named:
            dropped.setdefault(item.package.filename, (item.package.plugin_id, entry_for(item.package)))
    return sorted(dropped.values(), key=lambda pair: pair[1]["filename"])


# --- planning -------------------------------------------------------------------------------

def plan_publish(storage: Storage, channel: str, sources: list[tuple[PackageInfo, Path | str]],
                 force: bool = False, base: str | None = None, view: ChannelView | None = None) -> Plan:
    """Plan putting checked packages (with a local file or repository key each) into a channel.

    Merges them into the channel's index (a package older than the indexed version is
    left out); with ``base``, the index becomes exactly these packages instead.
    ``view``: the channel as the caller just read it.
    """
    view = view or view_channel(storage, check_channel(channel))
    plan = Plan(storage, check_channel(channel), view.current, force=force, listed=view.present)
    present = view.present
    found = _stats_of_unvouched(storage, channel, plan.before.index, [package for package, _ in sources], present)
    for package, source in sources:
        current = plan.before.index.get(package.plugin_id)
        if base is None and current is not None and Version(current["version"]) > Version(package.version):
            plan.notes.append(f"{package.filename} not published: {channel} has the newer "
                              f"{package.plugin_id} {current['version']}")
            continue
        named = _indexed_as(plan.before.index, package)
        if named and package.filename in present:
            action = "keep"  # an index names only packages verified in place: no need to ask the server
        else:
            if named:
                plan.notes.append(f"{package.filename} is missing from {channel}/ although its index names it: "
                                  "putting it back")
            key = f"{channel}/{package.filename}"
            action = _stage_action(storage, key, package, "copy" if isinstance(source, str) else "upload", force,
                                   found.get(package.filename))
            if isinstance(action, Stat):  # listed with the others, all refused at once
                plan.conflicts.append(Conflict(package, action, storage.url(key)))
                continue
        plan.staged.append(Staged(package, action, source))
    plan.change = IndexChange(add=tuple(s.package for s in plan.staged), base=base)
    return plan


def _stats_of_unvouched(storage: Storage, channel: str, index: Index, packages: list[PackageInfo],
                        present: frozenset[str]) -> dict[str, Stat | None]:
    """Size and SHA-1 of the listed files of ``packages`` that the index does not name with their bytes.

    A file missing from the listing is not there (listings are strongly consistent): no
    need to ask about it, nor about one the index names (it was verified when indexed).
    """
    names = [package.filename for package in packages if package.filename in present
             and not _indexed_as(index, package)]
    return dict(zip(names, run_all(names, lambda name: storage.stat(f"{channel}/{name}"))))


def _indexed_as(index: Index, package: PackageInfo) -> bool:
    current = index.get(package.plugin_id)
    return current is not None and current["filename"] == package.filename and stat_of(current) == stat_of(package)


def _stage_action(storage: Storage, key: str, package: PackageInfo, action: str, force: bool,
                  there: Stat | None) -> str | Stat:
    """``action`` if the file is new (``there``: None), ``keep`` if the same bytes are there, ``replace`` if forced.

    Other bytes there, not forced: what is there (a conflict).
    """
    if there is None:
        return action
    if there == stat_of(package):
        return "keep"
    return "replace" if force else there


def local_packages(packages_dir: Path, published: ChannelView | None = None) -> list[tuple[PackageInfo, Path]]:
    """The packages a local ``plugins.db`` names, each checked and matched against its entry.

    A package ``published`` already holds with these very bytes is not checked again
    (it was when it was indexed there), nor one this toolchain checked already
    (repo.package.verdicts, e.g. by the build that made it): only its SHA-1 is.
    """
    index_path = packages_dir / INDEX_NAME
    index = Index.from_bytes(read_file(index_path), str(index_path))

    def checked(pair: tuple[str, dict]) -> tuple[PackageInfo, Path]:
        plugin_id, entry = pair
        path = packages_dir / entry["filename"]
        package = published.held(path) if published is not None else None
        package = package or verdicts.lookup_file(path)
        if package is None:
            with CHECKING:
                package = inspect_package(path)
            verdicts.record([package])
        return matching(package, plugin_id, entry, path), path

    return run_all(list(index.items()), checked)


def _has_bytes(path: Path, expected: Stat) -> bool:
    try:
        return has_bytes(path, expected.size, expected.sha1)
    except OSError:
        return False  # checking it says what is wrong


def plan_upload(storage: Storage, packages_dir: Path, force: bool = False) -> Plan:
    """Plan publishing the packages of ``<build-dir>/dev`` to the dev channel."""
    view = view_channel(storage, "dev")
    return plan_publish(storage, "dev", local_packages(packages_dir, view), force, view=view)


@dataclass(frozen=True)
class Promotion:
    """The two channels of a promote as read together (one round trip): what selects the ids, then plans."""

    source: ChannelIndex
    dest: ChannelView
    source_files: frozenset[str]  # the source channel's files, listed with its index


def read_promotion(storage: Storage, source: str, dest: str) -> Promotion:
    check_channel(source)
    if check_channel(dest) == ARCHIVE:
        raise ToolchainError("packages reach the archive channel by being superseded or removed, not promoted")
    if source == dest:
        raise ToolchainError(f"cannot promote from {source} to itself")
    index, view, listed = together(lambda: read_index(storage, source), lambda: view_channel(storage, dest),
                                   lambda: storage.list(source))
    return Promotion(index, view, frozenset(listed))


def plan_promote(storage: Storage, source: str, dest: str, plugin_ids: list[str], force: bool = False,
                 read: Promotion | None = None) -> Plan:
    """Plan copying the packages indexed in ``source`` for ``plugin_ids`` into ``dest``.

    ``read``: the channels as the caller just read them (read_promotion), else read now.
    """
    if not plugin_ids:
        raise ToolchainError("name the plugin ids to promote")
    read = read or read_promotion(storage, source, dest)
    index, view = read.source.index, read.dest
    entries = []
    for plugin_id in plugin_ids:
        entry = index.get(plugin_id)
        if entry is None:
            raise ToolchainError(f"no plugin {plugin_id!r} in the {source} channel",
                                 storage.url(index_key(source)))
        entries.append((plugin_id, entry))

    def checked(pair: tuple[str, dict]) -> PackageInfo:
        """The source package: fetched and checked, unless the destination holds these bytes or they were checked.

        Bytes this toolchain checked already (repo.package.verdicts) are not fetched if the
        source lists them: the copy is verified against the entry's SHA-1, that is against
        the bytes checked (a source changed behind its index fails there, and nothing is
        indexed).
        """
        plugin_id, entry = pair
        if view.holds(plugin_id, entry):
            return indexed_package(plugin_id, entry)
        expected = stat_of(entry)
        known = verdicts.lookup(expected.size, expected.sha1, entry["filename"])
        if known is not None and entry["filename"] in read.source_files:
            return matching(known, plugin_id, entry, storage.url(f"{source}/{entry['filename']}"))
        return fetch_indexed(storage, source, plugin_id, entry)

    packages = run_all(entries, checked)
    sources = [(package, f"{source}/{entry['filename']}") for package, (_, entry) in zip(packages, entries)]
    return plan_publish(storage, dest, sources, force, view=view)


def plan_remove(storage: Storage, channel: str, plugin_ids: list[str]) -> Plan:
    """Plan taking ``plugin_ids`` out of a channel's index (their packages move to the archive)."""
    if check_channel(channel) == ARCHIVE:
        raise ToolchainError("the archive channel keeps every package it received; nothing is removed from it")
    if not plugin_ids:
        raise ToolchainError("name the plugin ids to remove")
    plan = Plan(storage, channel, read_index(storage, channel), change=IndexChange(remove=frozenset(plugin_ids)))
    archived = None
    for plugin_id in plugin_ids:
        if plugin_id in plan.before.index:
            continue
        archived = archived or read_index(storage, ARCHIVE).index
        if plugin_id not in archived:
            raise ToolchainError(f"no plugin {plugin_id!r} in the {channel} channel",
                                 storage.url(index_key(channel)))
        plan.notes.append(f"{plugin_id} is already out of the {channel} index (its package is archived)")
    return plan


def download_package(storage: Storage, key: str, expected: Stat, dest: Path,
                     described_by: tuple[str, dict] | None = None, rules: bool = True) -> PackageInfo:
    """Stream a package of the repository into ``dest`` and run the package checks on it.

    ``rules``: also the built-plugin rules (a package entering a channel or a mirror);
    without, only what makes it safe to read and index (a package already published that
    is being archived: a rule added since must not stop its removal).

    No more than ``expected.size`` bytes are read (nor more than PROVD_MAX_PACKAGE_SIZE);
    ``dest`` appears only once the file has the expected size and SHA-1, passes the checks
    and, with ``described_by`` (plugin id, index entry), is the package that entry describes.
    """
    limit = PACKAGE_SIZE()
    if expected.size > limit:
        raise ToolchainError(f"its index entry announces {expected.size} bytes, more than the {PACKAGE_SIZE.show(limit)} "
                             f"a package may have (raise {PACKAGE_SIZE.variable} to fetch it)", storage.url(key))
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=dest.parent) as folder:
        path = Path(folder) / dest.name
        with open(path, "wb") as out:
            download_verified(storage, key, out, expected)
        package = verdicts.lookup(expected.size, expected.sha1, dest.name)
        if package is None:
            with open(path, "rb") as raw, CHECKING:
                read = inspect_package_stream if rules else read_package
                package = read(raw, dest.name, storage.url(key), expected.size)
            if rules:
                verdicts.record([package])
        if described_by is not None:
            matching(package, *described_by, storage.url(key))
        os.chmod(path, 0o644)
        os.replace(path, dest)
    return package


def fetch_package(storage: Storage, key: str, expected: Stat,
                  described_by: tuple[str, dict] | None = None, rules: bool = True) -> PackageInfo:
    """Download a package of the repository (bounded by ``expected``), check it, keep nothing of it.

    Bytes this toolchain checked already are only hashed as they come (no file written).
    """
    known = verdicts.lookup(expected.size, expected.sha1, key.rsplit("/", 1)[-1])
    if known is not None:
        download_verified(storage, key, None, expected)
        return known if described_by is None else matching(known, *described_by, storage.url(key))
    with tempfile.TemporaryDirectory(prefix="provd-package-") as folder:
        return download_package(storage, key, expected, Path(folder) / key.rsplit("/", 1)[-1], described_by, rules)


def fetch_indexed(storage: Storage, channel: str, plugin_id: str, entry: dict, rules: bool = True) -> PackageInfo:
    """The package an index entry of ``channel`` names, checked, and refused unless it is that entry's package."""
    return fetch_package(storage, f"{channel}/{entry['filename']}", stat_of(entry), (plugin_id, entry), rules)


def matching(package: PackageInfo, plugin_id: str, entry: dict, where: str | Path) -> PackageInfo:
    """``package``, unless it is not the package ``entry`` (the index entry ``plugin_id``) describes."""
    problem = package_mismatch(plugin_id, entry, package)
    if problem:
        raise ToolchainError(problem, where)
    return package


# --- applying -------------------------------------------------------------------------------

@dataclass
class Outcome:
    transferred: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    index: Index | None = None
    index_written: bool = False
    unchanged: int = 0  # packages already in place

    def summary(self, channel: str) -> str:
        index = f"{channel}/{INDEX_NAME} updated" if self.index_written else f"{channel}/{INDEX_NAME} unchanged"
        return (f"{len(self.transferred)} package(s) transferred, {len(self.archived)} archived, "
                f"{len(self.deleted)} deleted, {self.unchanged} unchanged; {index}")


def apply(plan: Plan, progress: TransferProgress | None = None) -> Outcome:
    """Carry out a plan in the safe order: stage, archive, index (compare-and-swap), tidy."""
    refusal = plan.refusal()
    if refusal is not None:
        raise refusal
    progress = progress or TransferProgress()
    storage, channel, outcome = plan.storage, plan.channel, Outcome(unchanged=len(plan.unchanged))
    transfers = [staged for staged in plan.staged if staged.action != "keep"]
    guard = _Guard(plan, outcome, progress)
    archived: dict[str, PackageInfo] = {}  # checked by the archive step, which found the archive holds them

    def before_write(current: ChannelIndex, new: Index) -> None:
        dropped = dropped_entries(current.index, new, plan.staged)
        outcome.archived = [entry["filename"] for _, entry in dropped]
        # The claim (on the files the index will name) and the archive (of those it stops naming) are independent.
        _, packages = together(guard.hold, lambda: archive(storage, channel, dropped, plan.force, progress),
                               progress=progress)
        archived.update((package.filename, package) for package in packages)

    staged = False
    try:
        with guard:
            if transfers:
                # The claim need not wait for the files it is for (see _Guard.claim): it is made while they go.
                together(lambda: run_all(transfers, lambda item: _stage(storage, channel, item, progress), progress),
                         guard.claim)
            outcome.transferred += [item.package.filename for item in transfers]
            staged = True
            update = update_index(storage, channel,
                                  lambda current: plan.change.apply(current, storage.url(index_key(channel))),
                                  before_write, known=plan.before, after_write=guard.release)
            # Nothing written and the index still the one planned on: the plan's listing, taken
            # with it, shows its files there (no index naming a missing file to repair).
            as_planned = not update.written and update.before.data == plan.before.data
            if not update.written and not as_planned:
                guard.put_back_missing()  # nothing to write, but an index naming a missing file is repaired
            outcome.index, outcome.index_written = update.after, update.written
            if not _may_tidy(plan, outcome):
                return outcome
            # Our claim is gone before tidy's removal looks for claims; what tidy asks first need not wait for that.
            # The files as the claim step listed them after staging will do: one a publisher adds meanwhile is
            # its own to tidy, one gone meanwhile is found gone.
            known = {**archived, **{s.package.filename: s.package for s in plan.staged}}
            seen = (outcome.index, guard.listing if guard.listing is not None else storage.list(channel))
            _, candidates = together(guard.release, lambda: _deletable(storage, channel, known, plan.change, progress,
                                                                      seen))
    except ToolchainError:
        if staged and outcome.index is None:  # refused at the index step
            _remove_refused(plan, progress)
        raise
    outcome.deleted = delete_unindexed(storage, channel, candidates, f"kept in {ARCHIVE}/", progress.note)
    return outcome


def _may_tidy(plan: Plan, outcome: Outcome) -> bool:
    """Whether tidy may find a package to delete: one the plan's listing shows unindexed, or this run left.

    Packages others leave unindexed meanwhile are theirs to tidy (or the next run's).
    """
    if plan.listed is None or outcome.archived:
        return True
    indexed, named = plan.before.index.filenames(), outcome.index.filenames()
    return any(name.endswith(PACKAGE_SUFFIX) and name not in indexed for name in plan.listed) or \
        any(staged.package.filename not in named for staged in plan.staged)


def _remove_refused(plan: Plan, progress: TransferProgress) -> None:
    """After the index step refused the publish: delete the files of the plan that no index names.

    Those it put in the channel (still in the source it published from), and those it
    found there that the archive holds: a removal running meanwhile left them for the
    claim this publish held. A failure here must not hide the refusal: the files are
    then left for `inv tidy`, and the output says so.
    """
    storage, channel = plan.storage, plan.channel
    try:
        named = read_index(storage, channel).index.filenames()
        ours = [s.package.filename for s in plan.staged if s.action != "keep" and s.package.filename not in named]
        archived = [s.package.filename for s in plan.staged if s.action == "keep" and s.package.filename not in named
                    and storage.stat(f"{ARCHIVE}/{s.package.filename}") == stat_of(s.package)]
        delete_unindexed(storage, channel, ours, "staged by this refused publish; no index names it", progress.note)
        delete_unindexed(storage, channel, archived, f"no index names it; kept in {ARCHIVE}/", progress.note)
    except ToolchainError as exc:
        progress.note(f"could not remove the packages this refused publish staged ({exc}): `inv tidy` moves "
                      "them to the archive")


class _Guard:
    """Makes the files a publish stages be there when its index is written, and stay there (repo.publish.claims)."""

    def __init__(self, plan: Plan, outcome: Outcome, progress: TransferProgress):
        self.plan, self.outcome, self.progress = plan, outcome, progress
        self.files = frozenset(staged.package.filename for staged in plan.staged)
        self.held: Held | None = None
        self.checked = False  # whether P3 ran since the claim was made
        self.listing: list[str] | None = None  # the channel's files, as last listed to check them there

    def claim(self) -> None:
        """P1 and P2 of the claims protocol, again if our claim got too old.

        Both may come before the files are staged: a removal that starts after P1 sees
        the claim and keeps them, one that started before is over when P2 ends, and P3
        (``hold``, after staging) puts back whatever such a removal took.
        """
        if not self.files or (self.held is not None and self.held.fresh()):
            return
        self.release()
        self.held = Held(self.plan.storage, self.plan.channel, PUBLISH, self.files)
        self.checked = False
        wait_for_deletions(self.plan.storage, self.plan.channel, self.files, self.progress.note)

    def hold(self) -> None:
        """P1 to P3 of the claims protocol, again if our claim got too old; before every index write attempt."""
        self.claim()
        if self.files and not self.checked:
            self.put_back_missing()
            self.checked = True

    def put_back_missing(self) -> None:
        storage, channel = self.plan.storage, self.plan.channel
        if not self.files:
            return
        self.listing = storage.list(channel)
        present = set(self.listing)
        missing = [staged for staged in self.plan.staged if staged.package.filename not in present]

        def put_back(staged: Staged) -> None:
            self.progress.note(f"{storage.url(f'{channel}/{staged.package.filename}')} is missing: putting it back")
            _stage(storage, channel, staged, self.progress)

        run_all(missing, put_back, self.progress)
        self.outcome.transferred += [staged.package.filename for staged in missing]

    def release(self) -> None:
        if self.held is not None:
            held, self.held = self.held, None
            held.release()

    def __enter__(self) -> "_Guard":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        released_after_failure(self.release, failed=error is not None)


def _stage(storage: Storage, channel: str, staged: Staged, progress: TransferProgress) -> None:
    key, expected = f"{channel}/{staged.package.filename}", stat_of(staged.package)
    if isinstance(staged.source, str):
        try:
            storage.copy(staged.source, key, expected)
        except VerificationFailed:
            if staged.action == "copy":  # a new file, and not the bytes planned: nothing of it is left
                storage.delete(key)
            raise
        progress.note(f"copied {storage.url(staged.source)} -> {storage.url(key)}")
        return
    data = read_file(staged.source)
    if Stat.of(data) != expected:
        raise ToolchainError("changed since it was checked; run the command again", staged.source)
    with progress.transfer("uploaded", storage.url(key), len(data)) as on_bytes:
        storage.put(key, data, on_bytes)


def archive(storage: Storage, channel: str, entries: list[tuple[str, dict]], force: bool,
            progress: TransferProgress) -> list[PackageInfo]:
    """Copy packages of a channel (given with their index entries) into the archive channel, check and index them.

    The packages, checked; the requests that do not depend on each other go together:
    the archive's index is read while the packages are looked at, and each package is
    fetched from the channel (to check it) while the archive is asked whether it holds it.
    """
    def archive_one(pair: tuple[str, dict]) -> PackageInfo:
        plugin_id, entry = pair
        source, key, expected = f"{channel}/{entry['filename']}", f"{ARCHIVE}/{entry['filename']}", stat_of(entry)

        def fetched() -> PackageInfo | ToolchainError:
            try:
                return fetch_indexed(storage, channel, plugin_id, entry, rules=False)
            except ToolchainError as exc:  # judged once we know whether the archive holds these bytes
                return exc

        there, package = together(lambda: storage.stat(key), fetched)
        if there == expected:
            # The same bytes (same size and SHA-1) as the copy just checked; without it, check the archived one.
            return package if isinstance(package, PackageInfo) else fetch_indexed(storage, ARCHIVE, plugin_id, entry,
                                                                                   rules=False)
        if there is not None and not force:
            raise ToolchainError(f"cannot archive {storage.url(source)}: the archive holds other bytes under "
                                 "that name (use --force to replace them)", storage.url(key))
        if isinstance(package, ToolchainError):
            raise package
        storage.copy(source, key, expected)
        progress.note(f"archived {storage.url(source)} -> {storage.url(key)}")
        return package

    if not entries:
        return []
    index, packages = together(lambda: read_index(storage, ARCHIVE), lambda: run_all(entries, archive_one, progress))
    update_index(storage, ARCHIVE, lambda current: IndexChange(add=tuple(packages)).apply(current, ARCHIVE),
                 known=index)
    return packages


def _deletable(storage: Storage, channel: str, known: dict[str, PackageInfo], change: IndexChange,
               progress: TransferProgress, seen: tuple[Index, list[str]]) -> set[str]:
    """The tidy step: the channel's unindexed packages that the archive holds and nobody will index again.

    That is a package older than the indexed version of its plugin id, or one of a
    plugin id this change takes out. Packages a concurrent publisher may be about to index
    (a new id, a newer version, a file its claim lists) are left alone: deletions follow
    the claims protocol (repo.publish.claims), which also keeps, when it deletes, what the
    index names then. ``known``: packages checked by this run, by file name (not fetched
    again); ``seen``: the channel's index this run just wrote or found, and its files.
    """
    index, names = seen
    named = index.filenames()

    def deletable(name: str) -> bool:
        key, archived = f"{channel}/{name}", f"{ARCHIVE}/{name}"
        here, there = together(lambda: storage.stat(key), lambda: storage.stat(archived))
        if here is None or there != here:
            return False
        package = known.get(name)
        if package is None or stat_of(package) != here:
            try:
                package = fetch_package(storage, archived, here, rules=False)
            except ToolchainError as exc:
                progress.note(f"left {storage.url(key)} in place: {exc}")
                return False
        current = index.get(package.plugin_id)
        return (current is None and change.takes_out(package.plugin_id)) or \
            (current is not None and Version(current["version"]) > Version(package.version))

    unindexed = [name for name in names if name.endswith(PACKAGE_SUFFIX) and name not in named]
    return {name for name, verdict in zip(unindexed, run_all(unindexed, deletable, progress)) if verdict}
