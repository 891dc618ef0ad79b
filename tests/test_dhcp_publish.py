"""Publishing the DHCP bundle, and a Wazo server's dhcpd-update fetching it over HTTP."""
from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import urllib.request
from pathlib import Path

import pytest

from repo.dhcp.bundle import check_bundle, render_bundle, write_bundle
from repo.dhcp.data import load_dhcp_data
from repo.dhcp.publish import bundle_key, dhcp_path, publish_bundle
from repo.errors import ToolchainError
from repo.publish.address import open_repository
from repo.ui.progress import TransferProgress
from tests.conftest import ROOT, run_inv, write_tree
from tests.dhcpd import dhcpd_check, extract_like_dhcpd_update
from tests.repo_fixtures import serving
from tests.s3server import new_bucket

BUNDLE_KEY = bundle_key("dhcpd-update")


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


@pytest.fixture
def bundle(tmp_path) -> Path:
    """The bundle of the project's own plugins."""
    plugins = ROOT / "plugins"
    return write_bundle(render_bundle(load_dhcp_data(plugins), plugins), tmp_path / "out" / "dhcpd.tar.bz2")


@pytest.fixture
def storage(repo_address):
    return open_repository(repo_address)


def test_publish_then_nothing_to_do(storage, bundle):
    assert publish_bundle(storage, bundle, progress=quiet()) == f"published {storage.url(BUNDLE_KEY)}"
    assert storage.get(BUNDLE_KEY) == bundle.read_bytes()
    assert storage.list("dhcpd-update") == ["dhcpd.tar.bz2"]  # no staging copy left behind
    assert publish_bundle(storage, bundle, progress=quiet()) == f"{storage.url(BUNDLE_KEY)} is up to date"


def test_dry_run_changes_nothing(storage, bundle):
    assert publish_bundle(storage, bundle, dry_run=True).startswith("would publish ")
    assert storage.get(BUNDLE_KEY) is None


def crafted(path: Path, members: dict[str, bytes | str]) -> Path:
    """A bzip2 tar whose members are files (bytes) or symlinks (str targets), written as given."""
    with tarfile.open(path, "w:bz2") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return path


GOOD = {"dhcpd_update.conf": b"", "dhcpd_subnet.conf.middle": b""}


@pytest.mark.parametrize("members, message", [
    ({**GOOD, "../dhcpd.conf": b"evil"}, "goes up with '..'"),
    ({**GOOD, "/etc/dhcp/dhcpd.conf": b"evil"}, "absolute member path"),
    ({**GOOD, "dhcpd_update/link.conf": "../../passwd"}, "points outside the archive"),
    ({"dhcpd_update.conf": b""}, "not a DHCP bundle: no dhcpd_subnet.conf.middle"),
    ({**GOOD, "dhcpd.conf": b"option x;"}, "unexpected member 'dhcpd.conf'"),
])
def test_unsafe_or_foreign_bundles_are_refused_and_nothing_is_published(storage, tmp_path, members, message):
    bad = crafted(tmp_path / "dhcpd.tar.bz2", members)
    with pytest.raises(ToolchainError, match=message) as caught:
        publish_bundle(storage, bad, progress=quiet())
    assert caught.value.path == str(bad)
    assert storage.get(BUNDLE_KEY) is None


def test_the_generated_bundle_passes_its_own_checks(bundle):
    check_bundle(bundle.read_bytes(), bundle)


@pytest.mark.parametrize("allowed", range(5))
def test_an_interrupted_publish_keeps_the_old_bundle(fault_proxy, moto_endpoint, monkeypatch, tmp_path, bundle,
                                                     allowed):
    """Cut the S3 connection after each request of the publish in turn (get the published bundle to compare
    vendors, stat, put and copy, each verified by the SHA-1 the server answers, delete)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # fail at once: no retry hides the fault
    storage = open_repository(f"s3://{new_bucket(moto_endpoint)}/plugins")
    old = crafted(tmp_path / "old.tar.bz2", GOOD)
    publish_bundle(storage, old, progress=quiet())
    fault_proxy.fail_after(allowed, "cut")
    with pytest.raises(ToolchainError):
        publish_bundle(storage, bundle, progress=quiet())
    fault_proxy.heal()
    assert storage.get(BUNDLE_KEY) in (old.read_bytes(), bundle.read_bytes())  # never anything else
    if allowed < 4:  # cut before the copy over the old bundle: it is still there
        assert storage.get(BUNDLE_KEY) == old.read_bytes()
        assert publish_bundle(storage, bundle, progress=quiet()) == f"published {storage.url(BUNDLE_KEY)}; " \
                                                                    "vendors +digium"
    else:  # the new bundle is in place; running again completes the publish (the staging copy goes)
        assert publish_bundle(storage, bundle, progress=quiet()) == f"published {storage.url(BUNDLE_KEY)}"
    assert storage.get(BUNDLE_KEY) == bundle.read_bytes()
    assert storage.stat("dhcpd-update/.staging-dhcpd.tar.bz2") is None


def test_dhcpd_update_round_trip_through_inv_serve(tmp_path):
    """inv upload-dhcp, then what `dhcpd-update -d` and `-r` do, fetching from `inv serve`, then dhcpd -t."""
    plugins = tmp_path / "plugins"
    shutil.copytree(ROOT / "plugins" / "xivo_digium", plugins / "xivo_digium")
    repo, build_dir = tmp_path / "repo", tmp_path / "_build"
    done = run_inv("upload-dhcp", "--repo", str(repo), "--plugins-dir", str(plugins), "--build-dir", str(build_dir),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"published {repo}/dhcpd-update/dhcpd.tar.bz2"
    with serving(repo, tmp_path) as url:
        with urllib.request.urlopen(url + "dhcpd-update/dhcpd.tar.bz2", timeout=10) as response:
            assert response.status == 200
            downloaded = tmp_path / "download" / "dhcpd.tar.bz2"
            downloaded.parent.mkdir()
            downloaded.write_bytes(response.read())
    assert downloaded.read_bytes() == (build_dir / "dhcpd.tar.bz2").read_bytes()
    etc = tmp_path / "etc-dhcp"
    extract_like_dhcpd_update(downloaded, etc)
    for name in ("dhcpd_update.conf", "dhcpd_update/digium.conf", "dhcpd_subnet.conf.middle", "dhcpd_subnet.conf"):
        assert (etc / name).is_file(), name
    assert 'allow members of "DigiumD65";' in (etc / "dhcpd_subnet.conf").read_text()
    checked = dhcpd_check(etc)
    assert checked.returncode == 0, checked.stderr


def test_upload_dhcp_refuses_a_broken_rule_with_one_line(tmp_path):
    plugins = tmp_path / "plugins"
    write_tree(plugins, {"acme/build.py": "", "acme/dhcp.toml": 'vendor = "Acme"\nprovd_path = "/Acme"\n'
                                                              '[[mac_prefix]]\nmodel = "X"\nprefix = "zz"\n'})
    done = run_inv("upload-dhcp", "--repo", str(tmp_path / "repo"), "--plugins-dir", str(plugins),
                   "--build-dir", str(tmp_path / "_build"), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"error: {plugins / 'acme/dhcp.toml'}:5: [[mac_prefix]] #1: prefix must be the "
                                   "first three octets of a MAC address like \"00:0f:d3\", not 'zz'")
    assert not (tmp_path / "repo").exists() and not (tmp_path / "_build" / "dhcpd.tar.bz2").exists()


# --- the bundle's path, freshness and the vendors it serves --------------------------------------

def digium_plugins(tmp_path: Path) -> Path:
    plugins = tmp_path / "plugins"
    shutil.copytree(ROOT / "plugins" / "xivo_digium", plugins / "xivo_digium")
    write_tree(plugins, {"_dhcp/old-phones.toml": 'vendor = "Old Phones"\n[[mac_prefix]]\nprefix = "00:0b:0c"\n'})
    return plugins


def upload_dhcp(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return run_inv(*args[:args.index("upload-dhcp")], "upload-dhcp", "--repo", str(tmp_path / "repo"),
                   "--plugins-dir", str(tmp_path / "plugins"), "--build-dir", str(tmp_path / "_build"),
                   *args[args.index("upload-dhcp") + 1:], cwd=tmp_path)


def test_the_path_is_configuration_and_the_option_wins(tmp_path):
    digium_plugins(tmp_path)
    config = tmp_path / "provd.yaml"
    config.write_text("provd:\n  dhcp_path: dhcpd-update/13.17\n")
    done = upload_dhcp(tmp_path, "-f", str(config), "upload-dhcp")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"published {tmp_path}/repo/dhcpd-update/13.17/dhcpd.tar.bz2"
    assert not (tmp_path / "repo/dhcpd-update/dhcpd.tar.bz2").exists()
    done = upload_dhcp(tmp_path, "-f", str(config), "upload-dhcp", "--path", "dhcpd-update/13.18/")
    assert done.stdout.splitlines()[-1] == f"published {tmp_path}/repo/dhcpd-update/13.18/dhcpd.tar.bz2"
    done = upload_dhcp(tmp_path, "upload-dhcp")
    assert done.stdout.splitlines()[-1] == f"published {tmp_path}/repo/dhcpd-update/dhcpd.tar.bz2"


@pytest.mark.parametrize("option, config, message", [
    ("../etc", {}, "--path '../etc' is not a folder path of the repository"),
    ("a//b", {}, "--path 'a//b' is not"),
    (None, {"dhcp_path": "x/./y"}, "provd.dhcp_path 'x/./y' is not"),
    (None, {"dhcp_path": 13.17}, "provd.dhcp_path 13.17 is not"),
])
def test_a_bad_path_is_refused(option, config, message):
    with pytest.raises(ToolchainError, match=message.replace(".", r"\.").replace("(", r"\(")):
        dhcp_path(option, config)
    assert dhcp_path(None, {}) == "dhcpd-update"
    assert dhcp_path("/dhcpd-update/13.17/", {"dhcp_path": "x"}) == "dhcpd-update/13.17"


def test_a_stale_bundle_is_regenerated_before_publishing(tmp_path):
    plugins = digium_plugins(tmp_path)
    bundle = tmp_path / "_build" / "dhcpd.tar.bz2"
    assert upload_dhcp(tmp_path, "upload-dhcp").returncode == 0
    first = bundle.read_bytes()
    done = upload_dhcp(tmp_path, "upload-dhcp")
    assert done.stdout.strip() == f"{tmp_path}/repo/dhcpd-update/dhcpd.tar.bz2 is up to date"
    data = plugins / "xivo_digium" / "dhcp.toml"
    data.write_text(data.read_text() + '\n[[class]]\nmodel = "D80"\nvendor_class_prefix = "digium_D80"\n')
    done = upload_dhcp(tmp_path, "upload-dhcp", "--dry-run")
    assert done.returncode == 0, done.stderr
    said = done.stdout.splitlines()
    assert said[0] == (f"{bundle} is older than the DHCP data: would regenerate it (2 vendor(s), 8 class(es), "
                       "1 MAC prefix(es))")
    assert said[1].startswith(f"would publish {bundle} (")
    assert said[1].endswith(f" kB) to {tmp_path}/repo/dhcpd-update/dhcpd.tar.bz2; vendors unchanged")
    assert bundle.read_bytes() == first and (tmp_path / "repo/dhcpd-update/dhcpd.tar.bz2").read_bytes() == first
    done = upload_dhcp(tmp_path, "upload-dhcp")
    assert done.stdout.splitlines()[0] == (f"{bundle} is older than the DHCP data: regenerated (2 vendor(s), "
                                           "8 class(es), 1 MAC prefix(es))")
    assert bundle.read_bytes() != first
    assert (tmp_path / "repo/dhcpd-update/dhcpd.tar.bz2").read_bytes() == bundle.read_bytes()
    assert b'"DigiumD80"' in tarfile.open(bundle).extractfile("dhcpd_subnet.conf.middle").read()


def test_a_bundle_dropping_a_vendor_is_refused_unless_forced(tmp_path):
    plugins = digium_plugins(tmp_path)
    assert upload_dhcp(tmp_path, "upload-dhcp").returncode == 0
    published = (tmp_path / "repo/dhcpd-update/dhcpd.tar.bz2").read_bytes()
    (plugins / "_dhcp" / "old-phones.toml").unlink()
    write_tree(plugins, {"_dhcp/new.toml": 'vendor = "New"\n[[mac_prefix]]\nprefix = "00:0b:0d"\n'})
    for args in (("upload-dhcp",), ("upload-dhcp", "--dry-run")):
        done = upload_dhcp(tmp_path, *args)
        assert done.returncode == 1
        assert done.stderr.strip() == (
            f"error: {tmp_path / '_build/dhcpd.tar.bz2'}: the bundle would drop 1 vendor(s) that "
            f"{tmp_path}/repo/dhcpd-update/dhcpd.tar.bz2 serves: old-phones; their phones would no longer find "
            "provd (--force publishes it anyway)")
        assert (tmp_path / "repo/dhcpd-update/dhcpd.tar.bz2").read_bytes() == published
    done = upload_dhcp(tmp_path, "upload-dhcp", "--force")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (f"published {tmp_path}/repo/dhcpd-update/dhcpd.tar.bz2; vendors +new, "
                                            "-old-phones")


def test_an_unreadable_published_bundle_is_replaced_only_when_forced(storage, bundle, tmp_path):
    storage.put(BUNDLE_KEY, b"not a bundle")
    with pytest.raises(ToolchainError, match=r"the published bundle is not readable .*\(--force replaces it\)"):
        publish_bundle(storage, bundle, progress=quiet())
    assert storage.get(BUNDLE_KEY) == b"not a bundle"
    assert publish_bundle(storage, bundle, force=True, progress=quiet()) == f"published {storage.url(BUNDLE_KEY)}; " \
                                                                            "vendors +digium"
