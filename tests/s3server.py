"""Real S3 over HTTP for tests: moto's server on 127.0.0.1, and a proxy that fails on demand."""
from __future__ import annotations

import contextlib
import http.client
import itertools
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from moto.server import ThreadedMotoServer

_buckets = itertools.count(1)


def start_moto() -> tuple[ThreadedMotoServer, str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in test output
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def new_bucket(endpoint: str) -> str:
    """Create a fresh bucket (valid name) on the endpoint and return its name."""
    import boto3

    name = f"provd-plugins-{next(_buckets)}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name


S3_ERROR = b"""<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>%s</Code><Message>%s</Message><RequestId>fault-proxy</RequestId></Error>"""


class FaultProxy:
    """An HTTP proxy in front of an S3 endpoint that passes requests through until told to fail.

    ``fail_after(n, how)`` lets ``n`` more requests through, then fails every later one:
    ``cut`` closes the connection without an answer (a server killed or a network cut),
    ``500``/``503``/``403`` answer with that S3 error. ``fail_next(k, how)`` fails only
    the next ``k`` requests (transient trouble).
    """

    def __init__(self, upstream: str):
        self.upstream = upstream.split("://", 1)[1]
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._allowed: int | None = None
        self._failures = 0
        self._how = "cut"
        self._connections: set[socket.socket] = set()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with proxy._lock:
                    proxy._connections.add(self.connection)

            def _any(self):
                body = self._body()
                how = proxy._verdict(f"{self.command} {self.path}")
                if how == "cut":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if how is not None:
                    code, name = {"500": (500, "InternalError"), "503": (503, "SlowDown"),
                                  "403": (403, "AccessDenied")}[how]
                    payload = S3_ERROR % (name.encode(), b"injected by the test proxy")
                    self._answer(code, [("Content-Type", "application/xml")], payload)
                    return
                upstream = http.client.HTTPConnection(proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
                headers["Content-Length"] = str(len(body))
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                skip = {"transfer-encoding", "connection", "content-length"}
                self._answer(response.status, [(k, v) for k, v in response.getheaders() if k.lower() not in skip],
                             data, head=self.command == "HEAD", length=response.getheader("Content-Length"))
                upstream.close()

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        chunk = self.rfile.read(size)
                        self.rfile.readline()
                        if size == 0:
                            return b"".join(chunks)
                        chunks.append(chunk)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _answer(self, status, headers, data, head=False, length=None):
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", length if head and length else str(len(data)))
                self.end_headers()
                if not head:
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _verdict(self, request: str) -> str | None:
        with self._lock:
            self.requests.append(request)
            if self._failures > 0:
                self._failures -= 1
                return self._how
            if self._allowed is None:
                return None
            if self._allowed > 0:
                self._allowed -= 1
                return None
            return self._how

    def fail_after(self, allowed: int, how: str = "cut") -> None:
        with self._lock:
            self._allowed, self._how, self._failures = allowed, how, 0

    def fail_next(self, count: int, how: str = "503") -> None:
        with self._lock:
            self._allowed, self._how, self._failures = None, how, count

    def heal(self) -> None:
        with self._lock:
            self._allowed, self._failures = None, 0

    def close(self) -> None:
        """Stop like a killed server: stop listening and drop the connections in progress."""
        self.server.shutdown()
        self.server.server_close()
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
