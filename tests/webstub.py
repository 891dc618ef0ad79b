"""An HTTP server on 127.0.0.1 standing in for the web sites a provd server talks to.

It answers a fixed set of request targets and records every request. Used as an HTTP
proxy (provd's downloaders take one), it serves a vendor's firmware URL from local
bytes: provd asks for the real URL and no request leaves the machine. Used as a
server, it answers wazo-amid's REST calls (provd's SIP NOTIFY goes through them).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the absolute URL when the server is used as a proxy, else the path
    body: bytes


class WebStub:
    """``answers``: request target -> body of a 200 answer; any other target gets a 404."""

    def __init__(self, answers: dict[str, bytes], content_type: str = "application/octet-stream"):
        self.requests: list[Request] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                stub.requests.append(Request(self.command, self.path, self.rfile.read(length)))
                body = answers.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            do_GET = do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "WebStub":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
