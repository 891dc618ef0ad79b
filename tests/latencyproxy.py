"""A TCP proxy on 127.0.0.1 that makes a local server look tens of milliseconds away.

Loopback hides latency: a repository on S3 is a round trip of tens of milliseconds
away, which decides how a publish performs. ``LatencyProxy(upstream, delay)`` forwards
every connection to ``upstream`` and hands each byte over ``delay`` seconds after it
arrived, in both directions (data keeps flowing meanwhile, as on a real link: the
delay is not paid again per packet). A new connection also waits ``setup_round_trips``
round trips before its first byte goes, as TCP's handshake (1) or TCP plus TLS (2 or
3) make it. Bandwidth is not limited. Standard library only: asyncio in one thread.
"""
from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from typing import Iterator
from urllib.parse import urlsplit

_CHUNK = 65536


class LatencyProxy:
    def __init__(self, upstream: str, delay: float = 0.04, setup_round_trips: int = 1):
        """``upstream`` is ``http://host:port`` (or ``host:port``); ``delay`` is one way, in seconds."""
        address = urlsplit(upstream if "://" in upstream else f"tcp://{upstream}")
        self.upstream = (address.hostname, address.port)
        self.delay = delay
        self.setup = 2 * delay * setup_round_trips
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="latency-proxy", daemon=True)
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._connection, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    async def _connection(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        accepted = self._loop.time()
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        for writer in (client_writer, upstream_writer):  # no extra wait (Nagle) beyond the one injected
            writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pumps = [asyncio.ensure_future(self._pump(client_reader, upstream_writer, accepted + self.setup)),
                 asyncio.ensure_future(self._pump(upstream_reader, client_writer, accepted))]
        try:
            await asyncio.gather(*pumps)
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass  # one side went away, or the proxy is closing: drop both, as a broken link would
        finally:
            for task in pumps:
                task.cancel()
            for writer in (client_writer, upstream_writer):
                writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, not_before: float) -> None:
        """Copy ``reader`` to ``writer``, each chunk ``delay`` after it came (and not before ``not_before``)."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        delivery = asyncio.ensure_future(self._deliver(queue, writer))
        try:
            while True:
                data = await reader.read(_CHUNK)
                queue.put_nowait((max(self._loop.time(), not_before) + self.delay, data))
                if not data:
                    break
            await delivery
        finally:
            delivery.cancel()

    async def _deliver(self, queue: asyncio.Queue, writer: asyncio.StreamWriter) -> None:
        while True:
            due, data = await queue.get()
            await asyncio.sleep(max(0.0, due - self._loop.time()))
            if not data:  # the sender finished: so does this direction
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    def close(self) -> None:
        """Stop listening, drop the connections in progress and stop the thread."""
        async def shutdown():
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(RuntimeError):
            self._call(shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@contextlib.contextmanager
def distant_s3(endpoint: str, delay: float = 0.04, setup_round_trips: int = 1) -> Iterator[str]:
    """The S3 server at ``endpoint`` (moto's) as if ``delay`` seconds away; yields the URL to use.

    moto's server closes every connection after one response, where S3 keeps them open
    for the next request; so the latency proxy's upstream is the keep-alive HTTP proxy
    of tests.s3server, and a client pays the connection set-up once per connection, as
    with S3.
    """
    from tests.s3server import FaultProxy

    front = FaultProxy(endpoint)
    proxy = LatencyProxy(front.url, delay, setup_round_trips)
    try:
        yield proxy.url
    finally:
        proxy.close()
        front.close()
