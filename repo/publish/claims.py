"""Claims: how index writes and deletions of packages stay out of each other's way, without locks.

The danger: a publisher checks that a package file is in its channel and writes an
index naming it, while a remover (the tidy step) checks that no index names the file
and deletes it. Each check can pass just before the other's action, and the index then
names a deleted file. A compare-and-swap on the index cannot prevent it: the deletion
is of another file. So each side announces what it is about to rely on before it looks
at what the other side does, in a file of ``<channel>/.claims/`` (hidden: neither
listed nor served):

- a publisher, before its index write: (P1) writes a *publish claim* listing the
  package files the new index adds or keeps; (P2) lists the *delete claims* and waits
  until those listing one of its files are removed (one written later sees the
  publish claim: no need to wait for it); (P3) checks that each of its files is
  there, putting back (from the source it has) any that is not; (P4) writes the index
  by compare-and-swap (retries included); (P5) removes its claim. P1 and P2 may run
  while the files are being staged (they need not exist yet); P3 comes after staging;
- a remover: (D1) writes a *delete claim* listing the files it means to delete;
  (D2) lists the publish claims and keeps the files they list; (D3) reads the index
  and keeps the files it names; (D4) deletes the rest; (D5) removes its claim.

Why no index ever names a deleted file. Suppose a remover's deletion (D4) of file F
falls between a publisher's check (P3) and its index write (P4), or after an index
naming F is written. The remover read the publish claims (D2) after writing its own
claim (D1). If its D2 came after the publisher's P1, it saw the claim and kept F; so
D2, hence D1, came before P1, hence before the publisher's P2, which therefore saw the
delete claim and waited until it was removed (D5, after D4): the deletion came before
P3, which put F back. Both backends give this order: a local folder is one file
system, and S3 reads, writes and listings are strongly consistent (since December
2020; S3-compatible servers must be too). An index naming F written earlier is seen by
D3, or was written by a publisher that claimed F: the same argument applies to it.

A process killed while holding a claim leaves it behind: claims expire ``LIFETIME``
after they were written (the time is in their name). A holder stops relying on its
claim once it is ``HOLD`` old (a publisher claims again, a remover stops deleting),
so others may ignore, and delete, a claim older than ``LIFETIME`` as long as clocks
differ, and requests take effect, within ``LIFETIME - HOLD`` (20 minutes). Until
then a publish waits for an interrupted removal's claim on its files, saying so; an
operator who knows no removal runs may delete that claim file. A claim that cannot be
read counts as claiming every file; one dated more than ``LIFETIME - HOLD`` ahead breaks
the clock assumption and counts as expired (else a bad clock or a crafted name would
block publishing for centuries).
"""
from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from repo.errors import ToolchainError
from repo.publish.limits import MAX_CLAIM_BYTES
from repo.publish.storage import Storage

CLAIMS = ".claims"
PUBLISH, DELETE = "publish", "delete"
LIFETIME = 30 * 60.0  # seconds
HOLD = 10 * 60.0
_NAME = re.compile(r"(publish|delete)-([0-9]{1,16})-[0-9a-f]{1,32}\.json")

# Replaced by tests to drive time; a claim's time is wall-clock time because other machines judge it.
clock: Callable[[], float] = time.time
pause: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Claim:
    """A claim found in a channel: who intends what on which files (None: unreadable, so all of them)."""

    key: str
    kind: str
    files: frozenset[str] | None
    created: float

    def covers(self, name: str) -> bool:
        return self.files is None or name in self.files

    def expires(self) -> float:
        return self.created + LIFETIME

    def expired(self) -> bool:
        """Past its lifetime, or dated further ahead than clocks may differ (bogus: it would block for ever)."""
        now = clock()
        return now >= self.expires() or self.created > now + LIFETIME - HOLD


class Held:
    """A claim this process wrote and relies on until it releases it."""

    def __init__(self, storage: Storage, channel: str, kind: str, files: Iterable[str]):
        self.storage, self.files = storage, frozenset(files)
        self.created = clock()
        self.key = f"{channel}/{CLAIMS}/{kind}-{int(self.created * 1000)}-{secrets.token_hex(8)}.json"
        try:
            storage.put(self.key, json.dumps({"files": sorted(self.files)}).encode())
        except ToolchainError:
            released_after_failure(self.release, failed=True)  # it may be there though the write failed
            raise

    def fresh(self) -> bool:
        """Whether others still honour the claim, with the margin the module docstring explains."""
        return clock() - self.created < HOLD

    def release(self) -> None:
        self.storage.delete(self.key)

    def __enter__(self) -> "Held":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        released_after_failure(self.release, failed=error is not None)


def released_after_failure(release: Callable[[], None], failed: bool) -> None:
    """Release a claim; after a failure, a failure to release (it expires) must not hide the first one."""
    if not failed:
        release()
        return
    with contextlib.suppress(ToolchainError):
        release()


def find_claims(storage: Storage, channel: str, kind: str) -> list[Claim]:
    """The live claims of ``kind`` in the channel; expired ones are deleted on the way."""
    live = []
    for claim in list_claims(storage, channel, kind):
        if claim.expired():
            storage.delete(claim.key)
        else:
            live.append(claim)
    return live


def list_claims(storage: Storage, channel: str, kind: str | None = None) -> list[Claim]:
    """Every claim of the channel (of ``kind`` only, if given), expired or not (reading only)."""
    claims = []
    for name in storage.list(f"{channel}/{CLAIMS}"):
        found = _NAME.fullmatch(name)
        if found is not None and kind in (None, found.group(1)):
            key = f"{channel}/{CLAIMS}/{name}"
            claims.append(Claim(key, found.group(1), _files(storage, key), int(found.group(2)) / 1000))
    return claims


def _files(storage: Storage, key: str) -> frozenset[str] | None:
    try:
        data = storage.get(key, MAX_CLAIM_BYTES)
        if data is None:
            return frozenset()  # released meanwhile
        files = json.loads(data)["files"]
        if isinstance(files, list) and all(isinstance(name, str) for name in files):
            return frozenset(files)
    except (ToolchainError, ValueError, KeyError, TypeError, RecursionError):
        pass
    return None


def wait_for_deletions(storage: Storage, channel: str, files: frozenset[str], note: Callable[[str], None]) -> None:
    """Return once the delete claims listing one of ``files`` are gone (P2 in the module docstring).

    Only those found at the first look: a removal that claims later sees our claim, so a
    stream of removals cannot keep a publish waiting.
    """
    delay, told, first = 0.05, set(), None
    while True:
        blocking = [c for c in find_claims(storage, channel, DELETE) if any(c.covers(name) for name in files)
                    and (first is None or c.key in first)]
        first = first if first is not None else {claim.key for claim in blocking}
        if not blocking:
            return
        for claim in blocking:
            if claim.key not in told:
                told.add(claim.key)
                expiry = time.strftime("%H:%M:%S UTC", time.gmtime(claim.expires()))
                names = ", ".join(sorted(name for name in files if claim.covers(name)))
                note(f"waiting for a removal in progress to finish with {names}: its claim "
                     f"{storage.url(claim.key)} expires at {expiry} (delete it if no removal runs)")
        pause(delay)
        delay = min(2 * delay, 2.0)
