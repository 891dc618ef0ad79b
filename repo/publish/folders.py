"""Channel folders: the repository folder each channel (dev, stable, archive) is published in.

Commands name channels ``dev``, ``stable`` and ``archive``; a repository may publish
them under other folder names (real Wazo servers read ``plugins/2/testing/`` for what
this project calls ``dev``). The publishing code speaks channel names only: a
repository opened with a mapping is seen through ``MappedStorage``, which turns the
first segment of a key (``dev/plugins.db``) into the channel's folder
(``testing/plugins.db``). Keys outside channels (``firmwares/...``) pass unchanged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO, Mapping

from repo.errors import ToolchainError
from repo.publish.httpmeta import CHANNELS
from repo.publish.storage import SMALL_FILE_LIMIT, OnBytes, Stat, Storage, Tagged

FIRMWARES = "firmwares"  # the firmware mirror's folder: no channel may take it
DHCP_FOLDER = "dhcpd-update"  # the DHCP bundle's default folder (repo.dhcp.publish.BUNDLE_KEY)
_PLAIN_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class ChannelFolders:
    """Channel name -> folder name, for every channel (a channel not mapped keeps its name)."""

    folders: tuple[tuple[str, str], ...] = tuple((channel, channel) for channel in CHANNELS)

    @classmethod
    def parse(cls, mapping: object) -> "ChannelFolders":
        """Check a configured mapping (``{dev: testing}``); raise ToolchainError saying what is wrong."""
        if mapping is None:
            return cls()
        if not isinstance(mapping, Mapping):
            raise ToolchainError(f"must map channel names to folder names (e.g. {{dev: testing}}), "
                                 f"not {type(mapping).__name__}")
        folders = dict(cls().folders)
        for channel, folder in mapping.items():
            if channel not in CHANNELS:
                raise ToolchainError(f"unknown channel {channel!r} (channels: {', '.join(CHANNELS)})")
            if not isinstance(folder, str) or not _PLAIN_FOLDER.fullmatch(folder):
                hint = " (a path prefix such as plugins/2 belongs in repo)" if "/" in str(folder) else ""
                raise ToolchainError(f"{channel}: {folder!r} is not a plain folder name (letters, digits, '.', "
                                     f"'_', '-'; not hidden){hint}")
            if folder in (FIRMWARES, DHCP_FOLDER):
                raise ToolchainError(f"{channel}: folder {folder!r} is where the repository keeps "
                                     f"{'firmware files' if folder == FIRMWARES else 'the DHCP bundle'}")
            folders[channel] = folder
        by_folder: dict[str, str] = {}
        for channel, folder in folders.items():
            if folder in by_folder:
                raise ToolchainError(f"channels {by_folder[folder]} and {channel} are both published in "
                                     f"folder {folder!r}")
            by_folder[folder] = channel
        return cls(tuple(folders.items()))

    def folder(self, channel: str) -> str:
        return dict(self.folders).get(channel, channel)

    def published(self) -> tuple[str, ...]:
        """Every channel folder, in channel order."""
        return tuple(folder for _, folder in self.folders)

    @property
    def is_identity(self) -> bool:
        return all(channel == folder for channel, folder in self.folders)

    def key(self, key: str) -> str:
        """The repository key of a channel-named ``key``: ``dev/plugins.db`` -> ``testing/plugins.db``."""
        first, slash, rest = key.partition("/")
        return dict(self.folders).get(first, first) + slash + rest


class MappedStorage:
    """A Storage whose channel keys are published in the folders of a ChannelFolders."""

    def __init__(self, storage: Storage, channels: ChannelFolders):
        self.storage = storage
        self.channels = channels

    def url(self, key: str = "") -> str:
        return self.storage.url(self.channels.key(key)) if key else self.storage.url()

    def get(self, key: str, limit: int = SMALL_FILE_LIMIT) -> bytes | None:
        return self.storage.get(self.channels.key(key), limit)

    def read(self, key: str, limit: int = SMALL_FILE_LIMIT) -> Tagged | None:
        return self.storage.read(self.channels.key(key), limit)

    def download(self, key: str, out: BinaryIO, limit: int) -> bool:
        return self.storage.download(self.channels.key(key), out, limit)

    def put_if(self, key: str, data: bytes, tag: str | None) -> None:
        self.storage.put_if(self.channels.key(key), data, tag)

    def put(self, key: str, data: bytes, on_bytes: OnBytes | None = None) -> None:
        self.storage.put(self.channels.key(key), data, on_bytes)

    def copy(self, source: str, key: str, expected: Stat) -> None:
        self.storage.copy(self.channels.key(source), self.channels.key(key), expected)

    def stat(self, key: str) -> Stat | None:
        return self.storage.stat(self.channels.key(key))

    def delete(self, key: str) -> None:
        self.storage.delete(self.channels.key(key))

    def list(self, folder: str) -> list[str]:
        return self.storage.list(self.channels.key(folder))


def with_channel_folders(storage: Storage, channels: ChannelFolders) -> Storage:
    """``storage`` seen through channel names; itself when every channel keeps its own name."""
    return storage if channels.is_identity else MappedStorage(storage, channels)


def channel_folder(storage: Storage, channel: str) -> str:
    """The folder readers of ``storage`` find ``channel`` in (what its catalog page calls it)."""
    return storage.channels.folder(channel) if isinstance(storage, MappedStorage) else channel
