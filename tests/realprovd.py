"""The real provd in tests: its Twisted reactor, its plugin manager and its provisioning application.

provd's operations return Deferreds and download in the reactor's thread pool, as on a
server. The reactor runs in a background thread for the whole session (fixture
``provd_reactor``); ``Reactor.call`` runs a function in it and waits for the result
(a Deferred's included). Test modules using this are marked ``provd`` and import
provd's modules only inside fixtures and helpers, so that ``-m 'not provd'`` works
where provd is not installed.
"""
from __future__ import annotations

import contextlib
import os
import queue
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import pytest

TIMEOUT = 60  # seconds for one provd operation: all of them talk to 127.0.0.1
PROXY_VARIABLES = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy")


class Reactor:
    """Twisted's reactor, running in a daemon thread."""

    def __init__(self):
        from twisted.internet import reactor

        self._reactor = reactor
        self._thread = threading.Thread(target=reactor.run, kwargs={"installSignalHandlers": False},
                                        name="twisted-reactor", daemon=True)

    def start(self) -> None:
        running = threading.Event()
        self._reactor.callWhenRunning(running.set)
        self._thread.start()
        assert running.wait(TIMEOUT), "Twisted's reactor did not start"

    def stop(self) -> None:
        self._reactor.callFromThread(self._reactor.stop)
        self._thread.join(TIMEOUT)  # also stops the thread pool, whose threads would keep Python alive

    def call(self, function: Callable[..., Any], *args, **kwargs) -> Any:
        """``function(*args, **kwargs)`` in the reactor thread; its result, once a Deferred fires; raises its error."""
        from twisted.internet import defer
        from twisted.python.failure import Failure

        results: queue.Queue = queue.Queue()
        self._reactor.callFromThread(lambda: defer.maybeDeferred(function, *args, **kwargs).addBoth(results.put))
        result = results.get(timeout=TIMEOUT)
        if isinstance(result, Failure):
            result.raiseException()
        return result


@pytest.fixture(scope="session")
def provd_reactor() -> Iterator[Reactor]:
    """The running reactor; proxy variables are cleared so that no download can leave 127.0.0.1 through them."""
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.lower() in PROXY_VARIABLES}
    reactor = Reactor()
    reactor.start()
    yield reactor
    reactor.stop()
    os.environ.update(saved)


def plugin_manager(plugins_dir: Path, server: str | None = None, proxies: dict | None = None):
    """A provd ``PluginManager`` over ``plugins_dir`` (its package cache next to it)."""
    from wazo_provd.plugins import PluginManager

    plugins_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = plugins_dir.parent / f"{plugins_dir.name}-cache"
    cache_dir.mkdir(exist_ok=True)
    manager = PluginManager(SimpleNamespace(proxies=proxies or {}), str(plugins_dir), str(cache_dir))
    manager.server = server
    return manager


def install_and_load(reactor: Reactor, manager, plugin_id: str, gen_cfg: dict | None = None):
    """What a server does with a plugin id: update plugins.db from the server, install, load; the plugin."""
    reactor.call(lambda: manager.update()[0])
    reactor.call(lambda: manager.install(plugin_id)[0])
    manager.load(plugin_id, gen_cfg or {"proxies": {}}, {})
    return manager[plugin_id]


@contextlib.contextmanager
def provisioning_app(reactor: Reactor, base_dir: Path, base_raw_config: dict) -> Iterator[Any]:
    """provd's ``ProvisioningApplication`` as a server runs it, on a JSON database under ``base_dir``."""
    from wazo_provd.app import ProvisioningApplication
    from wazo_provd.devices.config import ConfigCollection
    from wazo_provd.devices.device import DeviceCollection
    from wazo_provd.persist.json_backend import JsonDatabaseFactory

    (base_dir / "cache").mkdir(parents=True, exist_ok=True)
    database = JsonDatabaseFactory.new_database("json", "default", json_db_dir=str(base_dir / "database"))
    config = {
        "general": {"base_storage_dir": str(base_dir), "cache_dir": str(base_dir / "cache"), "cache_plugin": True,
                    "check_compat_min": True, "check_compat_max": True, "base_raw_config": base_raw_config},
        "proxy": {},
    }
    app = reactor.call(ProvisioningApplication, ConfigCollection(database.collection("configs")),
                       DeviceCollection(database.collection("devices")), config)
    try:
        yield app
    finally:
        reactor.call(app.close)
        database.close()
