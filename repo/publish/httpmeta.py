"""HTTP metadata of repository files, the same whether S3 or ``inv serve`` hands them out.

Packages are immutable (a new build is a new version, hence a new name), so caches may
keep them for a year; ``plugins.db`` and any other file changes in place, so caches
keep it only briefly and provd servers see a publish within a minute. The catalog page
(``index.html``, UTF-8) changes with ``plugins.db`` and is cached as briefly.
"""
from __future__ import annotations

import mimetypes
import posixpath
from dataclasses import dataclass
from typing import Collection

from repo.package.index import INDEX_NAME

CHANNELS = ("dev", "stable", "archive")
PACKAGE_SUFFIX = ".tar.bz2"
SHORT_CACHE = "public, max-age=60"
LONG_CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class HttpMeta:
    content_type: str
    cache_control: str


def http_meta(key: str, channel_folders: Collection[str] = CHANNELS) -> HttpMeta:
    """Content type and cache policy of the repository file at ``key`` (``dev/plugins.db``, ...).

    ``channel_folders``: the folders channels are published in (see repo.publish.folders).
    """
    folder, name = posixpath.split(key)
    if name == INDEX_NAME:
        return HttpMeta("application/json", SHORT_CACHE)
    if name.endswith(".html"):
        return HttpMeta("text/html; charset=utf-8", SHORT_CACHE)
    if name.endswith(PACKAGE_SUFFIX):
        # Only channel packages are immutable; a bundle such as dhcpd-update/dhcpd.tar.bz2 is not.
        return HttpMeta("application/x-bzip2", LONG_CACHE if folder in channel_folders else SHORT_CACHE)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return HttpMeta(content_type, SHORT_CACHE)
