"""Reading catalog pages in tests: links, ids, element names and text, with the standard HTML parser."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import unquote


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attributes = dict(attrs)
        if tag == "a" and "href" in attributes:
            self.hrefs.append(attributes["href"])
        if "id" in attributes:
            self.ids.add(attributes["id"])

    def handle_data(self, data):
        self.text.append(data)


def parse(page: bytes | str) -> _Collector:
    collector = _Collector()
    collector.feed(page.decode() if isinstance(page, bytes) else page)
    return collector


def package_links(page: bytes | str) -> set[str]:
    """The file names a page links to in its own folder (``./name``), plugins.db left out."""
    return {unquote(href[2:]) for href in parse(page).hrefs if href.startswith("./")} - {"plugins.db"}
