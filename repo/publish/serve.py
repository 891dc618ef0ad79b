"""Serving a local repository over HTTP, as a provd server's plugin server URL expects.

Regular files only (no folder listings, no fifos or devices, no hidden files such as index
generations or claims, nothing a symlink leads to outside the repository, a folder's
``index.html`` included), with the same content types and cache lifetimes as the S3
backend. A path no file can have (a NUL byte) is a bad request.
"""
from __future__ import annotations

import functools
import os
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Collection

from repo.errors import ToolchainError
from repo.publish.httpmeta import CHANNELS, http_meta


class RepositoryHandler(SimpleHTTPRequestHandler):
    server_version = "provd-repo"
    cache_control: str | None = None

    def __init__(self, *args, channel_folders: Collection[str] = CHANNELS, **kwargs):
        self.channel_folders = channel_folders
        super().__init__(*args, **kwargs)

    def send_head(self):
        self.cache_control = None
        try:
            path = self.translate_path(self.path)
            served = _served_file(path)
            refused = not self._inside(path) or served is not None and (not self._inside(served) or _special(served))
        except ValueError:  # a NUL byte (%00) in the path: no file can have that name
            self.send_error(400, "Bad request")
            return None
        if refused:
            self.send_error(404, "File not found")
            return None
        if served is not None and os.path.isfile(served):  # an error response must not be cached for a year
            self.cache_control = http_meta(self._key(Path(served)), self.channel_folders).cache_control
        return super().send_head()

    def _inside(self, path: str) -> bool:
        """Whether ``path`` is a repository file that may be served: not hidden, and inside once links are followed."""
        root = os.path.realpath(self.directory)
        resolved = os.path.realpath(path)
        shown = [Path(os.path.relpath(path, self.directory)), Path(os.path.relpath(resolved, root))]
        return os.path.commonpath([root, resolved]) == root \
            and not any(part.startswith(".") for relative in shown for part in relative.parts)

    def list_directory(self, path):
        self.send_error(404, "File not found")
        return None

    def guess_type(self, path):
        return http_meta(self._key(Path(path)), self.channel_folders).content_type

    def end_headers(self):
        if self.cache_control:
            self.send_header("Cache-Control", self.cache_control)
        super().end_headers()

    def _key(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.directory)).as_posix()


def _served_file(path: str) -> str | None:
    """The file the base class would send for ``path``: a folder's index.html (or .htm), else the path itself."""
    if os.path.isdir(path):
        return next((index for index in (os.path.join(path, "index.html"), os.path.join(path, "index.htm"))
                     if os.path.isfile(index)), None)
    return path


def _special(path: str) -> bool:
    """A fifo, device or socket: opening one may block for ever (a fifo) or never end (/dev/zero)."""
    return os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path)


def make_server(root: str | os.PathLike, bind: str = "127.0.0.1", port: int = 8667,
                channel_folders: Collection[str] = CHANNELS) -> ThreadingHTTPServer:
    """An HTTP server for the repository folder ``root`` (not started), its channels in ``channel_folders``."""
    root = Path(root)
    if not root.is_dir():
        raise ToolchainError("no such repository folder (publish something first)", root)
    handler = functools.partial(RepositoryHandler, directory=str(root.resolve()), channel_folders=channel_folders)
    try:
        return ThreadingHTTPServer((bind, port), handler)
    except OSError as exc:
        raise ToolchainError(f"cannot listen on {bind}:{port}: {exc.strerror}") from None
