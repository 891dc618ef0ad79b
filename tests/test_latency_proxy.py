"""The latency proxy puts a real network's delay between a client and the S3 test server,
and publishing works through it."""
from __future__ import annotations

import http.client
import io
import os
import time
from urllib.parse import urlsplit

from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.plan import apply, plan_upload
from repo.ui.progress import TransferProgress
from tests.repo_fixtures import ONE_WAY_DELAY, dev_build
from tests.s3server import new_bucket


def round_trip(connection: http.client.HTTPConnection) -> float:
    start = time.perf_counter()
    connection.request("GET", "/")
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    return time.perf_counter() - start


def test_every_round_trip_takes_the_injected_delay_both_ways(distant_endpoint):
    connection = http.client.HTTPConnection(urlsplit(distant_endpoint).netloc, timeout=10)
    first = round_trip(connection)  # plus the connection's set-up: one more round trip
    later = [round_trip(connection) for _ in range(3)]
    connection.close()
    assert first >= 4 * ONE_WAY_DELAY
    assert min(later) >= 2 * ONE_WAY_DELAY


def test_bytes_go_through_unchanged(distant_endpoint, moto_endpoint):
    import boto3

    bucket = new_bucket(moto_endpoint)
    data = os.urandom(3_000_000)
    client = boto3.client("s3", endpoint_url=distant_endpoint)
    client.put_object(Bucket=bucket, Key="blob", Body=data)
    assert client.get_object(Bucket=bucket, Key="blob")["Body"].read() == data
    assert boto3.client("s3", endpoint_url=moto_endpoint).get_object(Bucket=bucket, Key="blob")["Body"].read() == data


def test_a_publish_through_the_distant_endpoint(distant_endpoint, moto_endpoint, tmp_path, monkeypatch):
    build_dir = dev_build(tmp_path, {"acme": "0.3", "beta": "1.0"})
    bucket = new_bucket(moto_endpoint)
    plan = plan_upload(open_repository(f"s3://{bucket}/plugins"), build_dir / "dev")
    outcome = apply(plan, TransferProgress(io.StringIO()))
    assert sorted(outcome.transferred) == ["acme-0.3.tar.bz2", "beta-1.0.tar.bz2"] and outcome.index_written
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)  # read back directly, not through the proxy
    direct = open_repository(f"s3://{bucket}/plugins")
    assert direct.get("dev/plugins.db") == (build_dir / "dev/plugins.db").read_bytes()
    assert {plugin_id for plugin_id, _ in read_index(direct, "dev").index.items()} == {"acme", "beta"}
