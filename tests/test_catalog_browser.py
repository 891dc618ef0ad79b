"""The catalog page as people see it: real packages published, `inv serve`, headless Chromium."""
from __future__ import annotations

import hashlib
import io
import json
import urllib.request
from urllib.parse import urljoin

from PIL import Image

from repo.publish.address import open_repository
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.ui.progress import TransferProgress
from tests.big_channel import MODELS_PER_PLUGIN, publish_big_channel
from tests.browser import dump_dom, screenshot
from tests.pages import parse
from tests.repo_fixtures import dev_build, serving
from tests.s3server import new_bucket

HOSTILE = 'Acme <script>document.title="owned"</script><img src=x onerror=alert(1)> & "friends"'
CAPABILITIES = {"Acme, P1, 1.0": {"lines": 2, "protocol": "sip", "type": "deskphone"},
                "Acme, P10, *": {"lines": 8, "function_keys": 24, "high_availability": True}}
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "a", "code", "time", "main",
             "table", "thead", "tbody", "tr", "th", "td", "i", "br"}
WIDTHS = (1280, 390)  # a laptop, a phone
# A page of the test's own, served next to the channel folders: it loads the catalog page in a frame
# of the given width (same origin) and writes what the layout measures into its DOM, which
# --dump-dom prints. The catalog page itself has no script.
PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="stable/" style="width:%dpx;height:900px;border:0"></iframe><pre id="measure"></pre>
<script>
window.addEventListener("load", function () {
  var frame = document.getElementById("page"), doc = frame.contentDocument;
  function all(selector, measure) { return Array.from(doc.querySelectorAll(selector)).map(measure); }
  function lines(selector) { return all(selector, function (e) { return e.getClientRects().length; }); }
  document.getElementById("measure").textContent = JSON.stringify({
    viewport: frame.contentWindow.innerWidth, scrollWidth: doc.documentElement.scrollWidth,
    clipped: all("td, th", function (c) { return c.scrollWidth > c.clientWidth + 1; }).filter(Boolean).length,
    sha1Lines: lines(".sha1"), sha1Shown: all(".sha1", function (e) { return e.clientWidth; }),
    charWidth: all(".sha1", function (e) { return e.scrollWidth / e.textContent.length; })[0],
    idLines: lines("td.id"), pluginLinkLines: lines("td.plugin a"),
    rows: doc.querySelectorAll(".models tbody tr").length,
    breaks: doc.querySelectorAll(".plugins td br").length});
});
</script></body></html>"""


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def publish_channels(storage, tmp_path) -> None:
    """dev: acme (hostile description), beta, gamma; stable: acme and beta."""
    apply(plan_upload(storage, dev_build(tmp_path / "acme", {"acme": "0.3"}, description=HOSTILE,
                                         capabilities=CAPABILITIES) / "dev"), quiet())
    apply(plan_upload(storage, dev_build(tmp_path / "more", {"beta": "1.10", "gamma": "2.0"}) / "dev"), quiet())
    apply(plan_promote(storage, "dev", "stable", ["acme", "beta"]), quiet())


def fetch(url: str) -> tuple[int, bytes]:
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def assert_links_resolve(page_url: str, html: str, storage, channel: str) -> set[str]:
    """Every link of the page answers 200 from the same server; package links give the indexed bytes."""
    parsed = parse(html)
    files = set()
    for href in parsed.hrefs:
        if href.startswith("#"):
            assert href[1:] in parsed.ids, href
            continue
        url = urljoin(page_url, href)
        assert url.startswith(page_url), url  # relative: the page's own folder, whatever its base URL
        status, data = fetch(url)
        name = url[len(page_url):]
        assert status == 200 and data == storage.get(f"{channel}/{name}"), url
        files.add(name)
    return files


def test_catalog_page_in_headless_chromium(tmp_path):
    storage = open_repository(str(tmp_path / "repo"))
    publish_channels(storage, tmp_path)
    with serving(tmp_path / "repo", tmp_path) as base:
        page_url = base + "stable/"
        dom = dump_dom(page_url, tmp_path / "profile")
        parsed = parse(dom)
        assert parsed.tags <= PAGE_TAGS  # the hostile description injected no element
        text = " ".join(" ".join(parsed.text).split())  # one space between cells
        assert HOSTILE in text  # shown as text, exactly
        assert "provd plugins: stable channel" in text and "2 plugins" in text
        for shown in ("acme 0.3", "beta 1.10", "Acme P1 1.0 deskphone sip 2", "Acme P10 * 8 24 yes"):
            assert shown in text, shown
        assert "gamma" not in text  # only in dev
        files = assert_links_resolve(page_url, dom, storage, "stable")
        assert files == {"plugins.db", "acme-0.3.tar.bz2", "beta-1.10.tar.bz2"}

        png = screenshot(page_url, tmp_path / "stable.png", tmp_path / "profile")
    image = Image.open(png)
    assert image.format == "PNG" and image.size == (1280, 900)
    grey = image.convert("L")
    darkest, lightest = grey.getextrema()
    assert darkest < 80 and lightest > 230  # dark text on a light page
    assert len(grey.getcolors(maxcolors=65536) or []) > 20  # text, links, stripes: not one flat colour
    heading = grey.crop((0, 0, 640, 60))  # the title is drawn top left
    assert heading.getextrema()[0] < 80


def test_the_same_page_works_from_s3(aws_env, moto_endpoint, tmp_path):
    """Relative links: the page served by S3 (any base URL) leads to the packages there."""
    bucket = new_bucket(moto_endpoint)
    storage = open_repository(f"s3://{bucket}/plugins/2", {"acl": "public-read"})
    publish_channels(storage, tmp_path)
    for channel, expected in (("stable", {"acme-0.3.tar.bz2", "beta-1.10.tar.bz2"}),
                              ("dev", {"acme-0.3.tar.bz2", "beta-1.10.tar.bz2", "gamma-2.0.tar.bz2"})):
        page_url = f"{moto_endpoint}/{bucket}/plugins/2/{channel}/"
        status, page = fetch(page_url + "index.html")
        assert status == 200
        files = assert_links_resolve(page_url, page.decode(), storage, channel)
        assert files == expected | {"plugins.db"}
        assert hashlib.sha1(storage.get(f"{channel}/plugins.db")).hexdigest() in page.decode()



def measure(url: str, profile) -> dict:
    dom = dump_dom(url, profile)
    return json.loads(dom.split('<pre id="measure">', 1)[1].split("</pre>", 1)[0])


def test_a_channel_of_800_models_fits_a_laptop_and_a_phone(tmp_path):
    """100 plugins with long ids, 800 models, descriptions with <br/>: no sideways scrolling at 1280 or 390 px."""
    plugins = 100
    publish_big_channel(tmp_path / "repo")
    for width in WIDTHS:
        (tmp_path / "repo" / f"probe-{width}.html").write_text(PROBE % width)
    with serving(tmp_path / "repo", tmp_path) as base:
        measured = {width: measure(f"{base}probe-{width}.html", tmp_path / "profile") for width in WIDTHS}
        shots = {width: screenshot(base + "stable/", tmp_path / f"catalog-{width}.png", tmp_path / "profile",
                                   width=width, height=900) for width in WIDTHS}
        dom = dump_dom(base + "stable/", tmp_path / "profile")
    for width, found in measured.items():
        assert found["viewport"] == width and found["rows"] == plugins * MODELS_PER_PLUGIN
        assert found["scrollWidth"] <= width, (width, found["scrollWidth"])  # no horizontal overflow
        assert found["clipped"] == 0  # no cell cut (the plugin column of the model table was)
        assert set(found["sha1Lines"]) == {1}  # a SHA-1 on one line, not five
        assert {round(shown / found["charWidth"]) for shown in found["sha1Shown"]} == {12}  # its first 12 digits
        assert found["breaks"] == plugins * 2  # each description's two <br/> are line breaks
    laptop = measured[1280]
    assert set(laptop["idLines"]) == {1} and set(laptop["pluginLinkLines"]) == {1}  # ids never wrap at 1280 px
    text = " ".join(parse(dom).text)
    assert "<br" not in text and "Supports BLF, paging and the Cisco expansion modules." in text
    assert parse(dom).tags <= PAGE_TAGS
    for width, png in shots.items():
        image = Image.open(png)
        assert image.size == (width, 900)
        grey = image.convert("L")
        assert grey.getextrema()[0] < 80 and len(grey.getcolors(maxcolors=65536) or []) > 20  # text on the page
