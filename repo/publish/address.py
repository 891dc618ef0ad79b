"""Repository addresses: ``s3://bucket[/prefix]``, a local path or a ``file://`` URL -> a Storage.

The address of a task comes from its ``--repo`` option, else the ``PROVD_REPO``
environment variable, else ``provd.repo`` in Invoke's configuration, else the
project's ``_repo/`` folder. For S3, credentials come from boto3's standard chain and
an S3-compatible server from ``AWS_ENDPOINT_URL`` (or ``provd.endpoint_url``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

from repo.errors import ToolchainError
from repo.publish.folders import ChannelFolders, with_channel_folders
from repo.publish.storage import Storage

ENV_REPO = "PROVD_REPO"
DEFAULT_MAX_ATTEMPTS = 8


def repository_address(option: str | None, config: Mapping, default: Path) -> str:
    """The address a task uses: its option, else $PROVD_REPO, else ``provd.repo``, else ``default``."""
    return configured_address(option, config) or str(default)


def configured_address(option: str | None, config: Mapping) -> str | None:
    """The option, else $PROVD_REPO, else ``provd.repo``; None when none of them gives a repository."""
    for candidate in (option, os.environ.get(ENV_REPO), config.get("repo")):
        if candidate:
            return str(candidate)
    return None


def open_repository(address: str, config: Mapping | None = None, channels: ChannelFolders | None = None) -> Storage:
    """The storage behind an address; ``config`` is the ``provd`` section (endpoint_url, acl).

    With ``channels``, the storage is seen through channel names (see repo.publish.folders).
    """
    channels = channels or ChannelFolders()
    return with_channel_folders(_open(address, config or {}, channels), channels)


def _open(address: str, config: Mapping, channels: ChannelFolders) -> Storage:
    parts = urlsplit(address)
    shown = redact_url(address)  # an address is repeated in messages: never with a secret it may carry
    if parts.scheme and "@" in parts.netloc:
        raise ToolchainError(f"invalid repository address {shown!r}: credentials do not belong in it (they would "
                             "be shown in messages and recorded in files); for S3 set AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE")
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ToolchainError(f"invalid repository address {shown!r}: expected s3://bucket[/prefix]")
        if parts.query or parts.fragment:
            raise ToolchainError(f"invalid repository address {shown!r}: no ?query or #fragment allowed")
        from repo.publish.storage.s3 import (
            S3Storage,  # boto3 is slow to import: only when needed
        )
        return S3Storage(s3_client(config.get("endpoint_url")), parts.netloc, parts.path, config.get("acl"),
                         channels.published())
    from repo.publish.storage.local import LocalStorage
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ToolchainError(f"invalid repository address {shown!r}: file URLs name a local path")
        return LocalStorage(unquote(parts.path))
    if parts.scheme and len(parts.scheme) > 1:  # one letter: a Windows drive, i.e. a path
        raise ToolchainError(f"unsupported repository address {shown!r}: "
                             "use s3://bucket[/prefix], a local path or a file:// URL")
    return LocalStorage(address)


def redact_url(url: str) -> str:
    """The URL without any user name or password it carries."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def s3_client(endpoint_url: str | None = None):
    """An S3 client with retries and addressing suited to AWS and S3-compatible servers.

    ``AWS_ENDPOINT_URL`` (boto3's own variable) wins over a configured endpoint; retry
    settings from ``AWS_MAX_ATTEMPTS``/``AWS_RETRY_MODE`` win over ours.
    """
    import boto3
    from botocore.config import Config

    from repo.publish.concurrency import CONNECTIONS

    endpoint_from_env = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    retries = {}
    if "AWS_RETRY_MODE" not in os.environ:
        retries["mode"] = "standard"
    if "AWS_MAX_ATTEMPTS" not in os.environ:
        retries["max_attempts"] = DEFAULT_MAX_ATTEMPTS
    # One connection for each request a publish runs at once (repo.publish.concurrency).
    options = {"retries": retries, "connect_timeout": 10, "read_timeout": 60, "max_pool_connections": CONNECTIONS}
    if endpoint_from_env or endpoint_url:
        # S3-compatible servers (MinIO, Ceph, ...) generally want bucket names in the path.
        options["s3"] = {"addressing_style": "path"}
    try:
        client = boto3.session.Session().client(
            "s3", endpoint_url=None if endpoint_from_env else endpoint_url or None, config=Config(**options))
    except ValueError:  # botocore: "Invalid endpoint: <the URL>", which may carry a secret: not repeated
        raise ToolchainError("invalid S3 endpoint URL (AWS_ENDPOINT_URL or provd.endpoint_url): expected "
                             "http(s)://host[:port]") from None
    client.meta.events.register_last("before-call.s3", _no_expect_continue)
    return client


def _no_expect_continue(params: dict, **kwargs) -> None:
    """Send a PUT's body at once: botocore's ``Expect: 100-continue`` costs a round trip per file.

    It spares sending a body the server would refuse; ours are packages and indexes of a
    few MB at most, where a round trip costs more than the rare wasted body.
    """
    params["headers"].pop("Expect", None)
