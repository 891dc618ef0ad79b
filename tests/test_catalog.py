"""The catalog page: what it shows, how it escapes, and how publishing keeps it next to plugins.db."""
from __future__ import annotations

import hashlib
import html
import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from repo.catalog.page import described_index_sha1, render
from repo.package.index import Index
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.httpmeta import SHORT_CACHE
from repo.publish.plan import apply, plan_promote, plan_remove, plan_upload
from repo.ui.progress import TransferProgress
from tests.pages import package_links, parse
from tests.repo_fixtures import dev_build

WHEN = datetime(2024, 5, 17, 9, 30, 5, tzinfo=timezone.utc)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


def entry(version: str, capabilities: dict, filename: str, description: str = "A plugin") -> dict:
    return {"version": version, "description": description, "capabilities": capabilities,
            "filename": filename, "dsize": 2048, "sha1sum": hashlib.sha1(filename.encode()).hexdigest()}


def text_of(page: bytes) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded."""
    import html
    return html.unescape(re.sub(r"<[^>]+>", " ", page.decode()))


def rows(page: bytes, section: str) -> list[list[str]]:
    """The body rows of the table under heading ``section``, each as its cells' text."""
    import html
    table = page.decode().split(f'<h2 id="{section}">', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in table.strip().splitlines()]


def test_page_lists_plugins_and_models_with_everything_escaped():
    index = Index({
        "xivo-acme-1.0": entry("0.3", {"Acme, P10, 1.0": {"lines": 4, "protocol": "sip", "type": "deskphone",
                                                          "high_availability": True, "sip.lines": 4},
                                       "Acme, P9, *": {"lines": 2}}, "xivo-acme-1.0-0.3.tar.bz2", HOSTILE),
        "evil": entry("1.0", {'Evil"><b>x</b>, <i>M</i>, *': {"type": "<svg onload=alert(1)>"}},
                      "javascript:alert(1)"),
    })
    page = render(index, "stable", WHEN, "ab" * 20)
    parsed = parse(page)
    assert parsed.tags <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "a", "code",
                           "time", "main", "table", "thead", "tbody", "tr", "th", "td", "i", "br"}
    assert "script" not in parsed.tags and "img" not in parsed.tags and "svg" not in parsed.tags and "b" not in \
        parsed.tags
    text = text_of(page)
    assert HOSTILE in text and "<svg onload=alert(1)>" in text and 'Evil"><b>x</b>' in text
    # download links stay relative file names, whatever the name looks like
    assert package_links(page) == {"xivo-acme-1.0-0.3.tar.bz2", "javascript:alert(1)"}
    assert all(href.startswith(("./", "#")) for href in parsed.hrefs)
    assert "Last published 2024-05-17 09:30:05 UTC" in " ".join(text.split())
    assert described_index_sha1(page) == "ab" * 20
    plugins = rows(page, "plugins")
    assert [r[:2] for r in plugins] == [["evil", "1.0"], ["xivo-acme-1.0", "0.3"]]
    assert plugins[1][3:6] == ["Acme P9, P10", "2.0 kB", hashlib.sha1(b"xivo-acme-1.0-0.3.tar.bz2").hexdigest()]
    models = rows(page, "models")
    # digits as numbers: P9 before P10; columns: vendor, model, firmware, type, protocol, lines, function keys,
    # expansion modules, high availability, switchboard, other, plugin
    assert models == [
        ["Acme", "P9", "*", "", "", "2", "", "", "", "", "", "xivo-acme-1.0"],
        ["Acme", "P10", "1.0", "deskphone", "sip", "4", "", "", "yes", "", "sip.lines: 4", "xivo-acme-1.0"],
        ['Evil"><b>x</b>', "<i>M</i>", "*", "<svg onload=alert(1)>", "", "", "", "", "", "", "", "evil"],
    ]
    # every in-page link leads to an element of the page
    assert {href[1:] for href in parsed.hrefs if href.startswith("#")} <= parsed.ids


def test_line_breaks_of_descriptions_and_nothing_else():
    """Real descriptions hold <br/> (and <br>, <BR />): line breaks; any other markup stays text."""
    description = ('Line one<br/>line two<BR>three<br />four<br onclick="alert(1)">five<b>bold</b>'
                   '<script>alert(2)</script><br/><img src=x onerror=alert(3)>')
    page = render(Index({"acme": entry("1.0", {"Acme, P1, *": {}}, "acme-1.0.tar.bz2", description)}),
                  "stable", WHEN, "0" * 40)
    parsed = parse(page)
    assert not parsed.tags & {"b", "script", "img"}
    cell = page.decode().split('<tr id="plugin-acme">', 1)[1].split("</td>", 3)[2]
    assert cell.count("<br>") == 4 and "<br/>" not in cell and "<BR" not in cell
    assert html.unescape(re.sub("<br>", "|", cell.split(">", 1)[1])) == \
        'Line one|line two|three|four<br onclick="alert(1)">five<b>bold</b><script>alert(2)</script>|' \
        '<img src=x onerror=alert(3)>'


def test_sha1_shown_short_whole_in_the_text_and_title():
    page = render(Index({"acme": entry("1.0", {}, "acme-1.0.tar.bz2")}), "stable", WHEN, "0" * 40).decode()
    sha1 = hashlib.sha1(b"acme-1.0.tar.bz2").hexdigest()
    assert f'<code class="sha1" title="{sha1}">{sha1}</code>' in page  # a double click copies all 40 digits
    assert ".sha1{display:inline-block;max-width:12ch;overflow:hidden;" in page  # the first 12 are shown


def test_a_model_two_plugins_support_has_a_row_for_each():
    index = Index({"a": entry("1.0", {"Acme, P1, *": {}}, "a-1.0.tar.bz2"),
                   "b": entry("2.0", {"Acme, P1, *": {}, "*, *, *": {}}, "b-2.0.tar.bz2")})
    models = rows(render(index, "dev", WHEN, "0" * 40), "models")
    assert [(m[0], m[1], m[-1]) for m in models] == [("*", "*", "b"), ("Acme", "P1", "a"), ("Acme", "P1", "b")]


def test_an_empty_channel_says_so():
    page = render(Index(), "dev", WHEN, "0" * 40)
    assert "No plugins in this channel." in text_of(page) and "0 plugins" in text_of(page)


def test_a_channel_with_hundreds_of_plugins():
    plugins = 600
    index = Index({f"xivo-vendor{n % 20}-{n}": entry(
        f"1.{n}", {f"Vendor{n % 20}, Model{n}-{m}, {n}.{m}": {"lines": m, "protocol": "sip", "type": "deskphone",
                                                               "function_keys": 10, "switchboard": False}
                   for m in range(6)}, f"xivo-vendor{n % 20}-{n}-1.{n}.tar.bz2", f"Plugin number {n}")
        for n in range(plugins)})
    page = render(index, "stable", WHEN, "0" * 40)
    assert len(rows(page, "plugins")) == plugins and len(rows(page, "models")) == plugins * 6
    assert len(package_links(page)) == plugins
    assert len(page) < 1.2 * 1024 * 1024  # ~2 kB per plugin with six models: no bloat per row
    assert len(page) < 3 * len(index.to_bytes())


# --- kept next to plugins.db by publishing --------------------------------------------------------------------


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


@pytest.fixture
def storage(repo_address):
    return open_repository(repo_address)


def assert_page_describes(storage, channel: str) -> bytes:
    page = storage.get(f"{channel}/index.html")
    index = read_index(storage, channel)
    assert described_index_sha1(page) == index.sha1
    assert package_links(page) == index.index.filenames()
    return page


def test_each_publish_writes_the_page_of_each_channel_it_changes(storage, tmp_path):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    apply(plan_upload(storage, dev_build(tmp_path / "one", {"acme": "0.3", "beta": "1.0"}) / "dev"), quiet())
    page = assert_page_describes(storage, "dev")
    published = datetime.fromisoformat(re.search(rb'<time datetime="([^"]+)"', page).group(1).decode())
    assert before <= published <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert storage.get("stable/index.html") is None  # nothing published there yet
    apply(plan_promote(storage, "dev", "stable", ["acme"]), quiet())
    assert "beta" not in text_of(assert_page_describes(storage, "stable"))
    apply(plan_upload(storage, dev_build(tmp_path / "two", {"acme": "0.4"}) / "dev"), quiet())
    assert_page_describes(storage, "dev")
    assert_page_describes(storage, "archive")  # acme 0.3 went there
    apply(plan_remove(storage, "dev", ["beta"]), quiet())
    assert "beta-1.0.tar.bz2" not in package_links(assert_page_describes(storage, "dev"))


def test_a_publish_with_nothing_new_rewrites_nothing_but_mends_a_stale_or_missing_page(storage, tmp_path):
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3"})
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    page = storage.get("dev/index.html")
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    assert storage.get("dev/index.html") == page  # same bytes: not rewritten (its time would differ)

    storage.delete("dev/index.html")  # a repository published before pages existed
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    assert_page_describes(storage, "dev")

    stale = render(Index(), "dev", WHEN, "0" * 40)  # as left by a publish interrupted after its index write
    storage.put("dev/index.html", stale)
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    assert_page_describes(storage, "dev")


def test_page_http_metadata_on_s3(aws_env, tmp_path):
    import boto3

    from tests.s3server import new_bucket

    bucket = new_bucket(aws_env["AWS_ENDPOINT_URL"])
    storage = open_repository(f"s3://{bucket}/plugins")
    apply(plan_upload(storage, dev_build(tmp_path / "b", {"acme": "0.3"}) / "dev"), quiet())
    head = boto3.client("s3").head_object(Bucket=bucket, Key="plugins/dev/index.html")
    assert (head["ContentType"], head["CacheControl"]) == ("text/html; charset=utf-8", SHORT_CACHE)


def test_the_index_itself_is_unchanged_by_the_page(storage, tmp_path):
    build_dir = dev_build(tmp_path / "b", {"acme": "0.3"})
    apply(plan_upload(storage, build_dir / "dev"), quiet())
    assert storage.get("dev/plugins.db") == (build_dir / "dev/plugins.db").read_bytes()
    assert json.loads(storage.get("dev/plugins.db")).keys() == {"acme"}
