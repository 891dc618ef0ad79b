"""End to end: a repository served by `inv serve` or by S3, used the way a provd server uses it."""
from __future__ import annotations

import io
import urllib.error
import urllib.request

import pytest

from repo.publish.address import open_repository
from repo.publish.httpmeta import LONG_CACHE, SHORT_CACHE
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.ui.progress import TransferProgress
from tests import provd_standin
from tests.repo_fixtures import dev_build, serving
from tests.s3server import new_bucket


def published(storage, tmp_path):
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3", "beta": "1.0"}, description_fr="Un greffon")
    apply(plan_upload(storage, build_dir / "dev"), TransferProgress(io.StringIO()))
    apply(plan_promote(storage, "dev", "stable", ["acme", "beta"]), TransferProgress(io.StringIO()))
    return build_dir


def behaves_like_provd_expects(base_url: str, tmp_path) -> None:
    db = provd_standin.update(base_url)
    assert sorted(db) == ["acme", "beta"]
    for plugin_id, entry in db.items():
        info = provd_standin.install(base_url, db, plugin_id, tmp_path / "provd-plugins")
        assert info["version"] == entry["version"] and info["description_fr"] == "Un greffon"
        assert (tmp_path / "provd-plugins" / plugin_id / "entry.py").is_file()


@pytest.fixture
def served(tmp_path):
    """`inv serve` on a free port of 127.0.0.1, for a local repository with dev and stable published."""
    published(open_repository(str(tmp_path / "repo")), tmp_path)
    with serving(tmp_path / "repo", tmp_path) as url:
        yield url


def test_provd_installs_from_inv_serve(served, tmp_path):
    behaves_like_provd_expects(served + "stable/", tmp_path)


def test_provd_installs_from_the_s3_endpoint(aws_env, moto_endpoint, tmp_path):
    bucket = new_bucket(moto_endpoint)
    published(open_repository(f"s3://{bucket}/plugins/2", {"acl": "public-read"}), tmp_path)
    behaves_like_provd_expects(f"{moto_endpoint}/{bucket}/plugins/2/stable/", tmp_path)


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
