"""End to end: a repository served by `inv serve` or by S3, used by the real provd as a server uses it."""
from __future__ import annotations

import io
import json
import subprocess
import urllib.error
import urllib.request

import pytest

from repo.publish.address import open_repository
from repo.publish.httpmeta import LONG_CACHE, SHORT_CACHE
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.ui.progress import TransferProgress
from tests.conftest import INV, LOADABLE_ENTRY_PY
from tests.realprovd import install_and_load, plugin_manager
from tests.repo_fixtures import dev_build, serving
from tests.s3server import new_bucket


def published(storage, tmp_path):
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"}, entry_py=LOADABLE_ENTRY_PY,
                          description_fr="Un greffon")
    apply(plan_upload(storage, build_dir / "dev"), TransferProgress(io.StringIO()))
    apply(plan_promote(storage, "dev", "stable", ["acme", "beta"]), TransferProgress(io.StringIO()))
    return build_dir


def provd_installs_and_loads_everything(reactor, base_url: str, tmp_path) -> None:
    """provd's PluginManager: update (plugins.db), install (download, SHA-1 check, extraction), load."""
    manager = plugin_manager(tmp_path / "provd-plugins", base_url)
    reactor.call(lambda: manager.update()[0])
    installable = manager.list_installable()
    assert sorted(installable) == ["acme", "beta"]
    for plugin_id, entry in installable.items():
        plugin = install_and_load(reactor, manager, plugin_id)
        assert plugin.id == plugin_id and type(plugin).IS_PLUGIN
        assert plugin.info["version"] == entry["version"]
        info = json.loads((tmp_path / "provd-plugins" / plugin_id / "plugin-info").read_text())
        assert info["description_fr"] == "Un greffon"
        assert (tmp_path / "provd-plugins-cache" / entry["filename"]).stat().st_size == entry["dsize"]
    assert sorted(manager.list_installed()) == sorted(manager) == ["acme", "beta"]
    manager.close()


@pytest.fixture
def served(tmp_path):
    """`inv serve` on a free port of 127.0.0.1, for a local repository with dev and stable published."""
    published(open_repository(str(tmp_path / "repo")), tmp_path)
    with serving(tmp_path / "repo", tmp_path) as url:
        yield url


@pytest.mark.provd
def test_provd_installs_from_inv_serve(served, provd_reactor, tmp_path):
    provd_installs_and_loads_everything(provd_reactor, served + "stable/", tmp_path)


@pytest.mark.provd
def test_provd_installs_from_the_s3_endpoint(aws_env, moto_endpoint, provd_reactor, tmp_path):
    bucket = new_bucket(moto_endpoint)
    published(open_repository(f"s3://{bucket}/plugins/2", {"acl": "public-read"}), tmp_path)
    provd_installs_and_loads_everything(provd_reactor, f"{moto_endpoint}/{bucket}/plugins/2/stable/", tmp_path)


@pytest.mark.provd
def test_provd_refuses_a_package_whose_sha1_differs_from_the_index(served, provd_reactor, tmp_path):
    """provd's own check; it does not compare the size with dsize (only its progress report uses dsize)."""
    from xivo_fetchfw.download import CorruptedFileError

    index_path = tmp_path / "repo/stable/plugins.db"
    index = json.loads(index_path.read_text())
    index["acme"]["sha1sum"] = "0" * 40
    index["beta"]["dsize"] += 1000
    index_path.write_text(json.dumps(index))
    manager = plugin_manager(tmp_path / "provd-plugins", served + "stable/")
    with pytest.raises(CorruptedFileError, match="sha1sum mismatch"):
        install_and_load(provd_reactor, manager, "acme")
    assert not (tmp_path / "provd-plugins/acme").exists() and not list((tmp_path / "provd-plugins-cache").iterdir())
    assert install_and_load(provd_reactor, manager, "beta").id == "beta"


def head(url: str):
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as response:
        return response.headers


def test_served_http_metadata(served):
    index = head(served + "dev/plugins.db")
    assert (index["Content-Type"], index["Cache-Control"]) == ("application/json", SHORT_CACHE)
    package = head(served + "dev/acme-0.3.tar.bz2")
    assert (package["Content-Type"], package["Cache-Control"]) == ("application/x-bzip2", LONG_CACHE)
    for path in ("dev/", "dev", "dev/index.html"):  # a channel's folder shows its catalog page
        page = head(served + path)
        assert (page["Content-Type"], page["Cache-Control"]) == ("text/html; charset=utf-8", SHORT_CACHE), path


@pytest.mark.parametrize("path", ["", "dev/.plugins.db.generations/1", "dev/nope-1.0.tar.bz2",
                                  "dev/../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd"])
def test_serve_hands_out_repository_files_only(served, path):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(served + path, timeout=10)
    assert caught.value.code in (301, 404)
    assert caught.value.headers.get("Cache-Control") is None


@pytest.fixture
def hostile_repo(tmp_path):
    """A repository whose folders hold symlinks leading out of it (made by whoever can write there)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the password file\n")
    repo = tmp_path / "repo"
    published(open_repository(str(repo)), tmp_path)
    (repo / "dhcpd-update").mkdir()
    (repo / "dhcpd-update/index.html").symlink_to(secret)
    (repo / "mirror").mkdir()
    (repo / "mirror/index.htm").symlink_to(secret)
    (repo / "dev/notes.txt").symlink_to(secret)
    (repo / "dev/generation").symlink_to(".plugins.db.generations/1")
    (repo / "inside").mkdir()
    (repo / "inside/index.html").symlink_to("../dev/index.html")  # a link within the repository is fine
    return repo


@pytest.mark.parametrize("path", ["dhcpd-update/", "dhcpd-update/index.html", "mirror/", "dev/notes.txt",
                                  "dev/generation"])
def test_serve_follows_no_symlink_out_of_the_repository(hostile_repo, tmp_path, path):
    with serving(hostile_repo, tmp_path) as url:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url + path, timeout=10)
        assert caught.value.code == 404 and b"password" not in caught.value.read()
        with urllib.request.urlopen(url + "inside/", timeout=10) as response:
            assert b"provd-index-sha1" in response.read()


def test_a_nul_byte_is_a_bad_request_not_a_traceback(tmp_path):
    published(open_repository(str(tmp_path / "repo")), tmp_path)
    process = subprocess.Popen([*INV, "serve", "--repo", str(tmp_path / "repo"), "--port", "0"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().split(" at ", 1)[1].split()[0]
        for path in ("dev/%00", "%00/", "dev/acme-0.3.tar.bz2%00.txt"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(url + path, timeout=10)
            assert caught.value.code == 400
        with urllib.request.urlopen(url + "dev/plugins.db", timeout=10) as response:  # still serving
            assert response.status == 200
    finally:
        process.terminate()
        _, log = process.communicate(timeout=10)
    assert "Traceback" not in log and "ValueError" not in log


def test_a_fifo_or_device_in_the_repository_is_not_served(tmp_path):
    """Opening a fifo blocks until someone writes to it: each request would hold a thread for ever."""
    import os

    repo = tmp_path / "repo"
    published(open_repository(str(repo)), tmp_path)
    os.mkfifo(repo / "dev/pipe.tar.bz2")
    (repo / "dev/zero.bin").symlink_to("/dev/zero")  # outside anyway, but a device all the same
    with serving(repo, tmp_path) as url:
        for path in ("dev/pipe.tar.bz2", "dev/zero.bin"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(url + path, timeout=10)
            assert caught.value.code == 404
        with urllib.request.urlopen(url + "dev/plugins.db", timeout=10) as response:
            assert response.status == 200
